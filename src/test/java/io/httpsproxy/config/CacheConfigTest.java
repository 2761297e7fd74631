package io.httpsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CacheConfigTest {
  @Test
  void theCacheIsOffByDefaultWithNamedBounds() {
    CacheConfig c = ProxyConfig.defaults().cache();

    assertFalse(c.enabled());
    assertEquals(CacheConfig.DEFAULT_CACHE_MAX_BYTES, c.maxBytes());
    assertEquals(CacheConfig.DEFAULT_CACHE_MAX_OBJECT_BYTES, c.maxObjectBytes());
    assertEquals(Duration.ofSeconds(5), c.lockTimeout());
    assertEquals(0.0, c.heuristic());
  }

  @Test
  void badValuesNameTheSettingAndWhatWasExpected() {
    assertEquals(
        "cacheMaxBytes: 0 (expected: >= 1 and <= 1099511627776)",
        refused(new JsonObject().put("cacheMaxBytes", 0)));
    assertEquals(
        "cacheMaxObjectBytes: 2048 (expected: >= 1 and <= cacheMaxBytes (1024))",
        refused(new JsonObject().put("cacheMaxBytes", 1024).put("cacheMaxObjectBytes", 2048)));
    assertEquals(
        "cacheLockTimeout: 0.0 (expected: > 0 seconds)",
        refused(new JsonObject().put("cacheLockTimeout", 0)));
    assertEquals(
        "cacheHeuristic: 1.5 (expected: >= 0 and <= 1, e.g. 0.1)",
        refused(new JsonObject().put("cacheHeuristic", 1.5)));
    assertEquals(
        "cacheEnabled: 'yes' (expected: true or false)",
        refused(new JsonObject().put("cacheEnabled", "yes")));
  }

  @Test
  void everyCacheSettingIsLive() {
    for (Setting s :
        new Setting[] {
          Setting.CACHE_ENABLED,
          Setting.CACHE_MAX_BYTES,
          Setting.CACHE_MAX_OBJECT_BYTES,
          Setting.CACHE_LOCK_TIMEOUT,
          Setting.CACHE_HEURISTIC
        }) {
      assertEquals(true, s.live(), s.key());
    }
  }

  private static String refused(JsonObject j) {
    return assertThrows(ConfigException.class, () -> ProxyConfig.fromJson(j)).getMessage();
  }
}
