package io.httpsproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.httpsproxy.testing.CacheOrigin;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache hit skips the queue and the workers but none of the gates: a destination the policy
 * refuses and a client over its rate limit are refused, stored or not. The cache's settings are
 * live: off by default, turned on and off by a reload.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CacheGatesTest {
  @TempDir Path dir;
  private CacheOrigin origin;
  private ProxyHarness proxy;
  private Path file;

  @BeforeEach
  void start() {
    origin = new CacheOrigin();
    origin.headers("/doc", "Cache-Control", "max-age=600");
    file = dir.resolve("proxy.json");
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    origin.close();
  }

  private void startWith(JsonObject config) throws Exception {
    Files.writeString(file, config.encodePrettily());
    proxy = ProxyHarness.fromFile(file);
  }

  private JsonObject reloadWith(JsonObject config) throws Exception {
    Files.writeString(file, config.encodePrettily());
    return proxy.admin().local(HttpMethod.POST, "/admin/reload", null).await().json();
  }

  private Resp get() {
    return proxy.client().get(origin.url("/doc")).await();
  }

  @Test
  void theCacheIsOffByDefaultAndAReloadTurnsItOnAndOff() throws Exception {
    JsonObject base = ProxyFixture.baseConfig(null, null);
    startWith(base);
    get();
    get();
    assertEquals(2, origin.count("/doc"), "off by default: every request goes upstream");

    JsonObject on = reloadWith(base.copy().put("cacheEnabled", true));
    get();
    get();
    assertEquals(3, origin.count("/doc"));
    assertEquals(new JsonArray().add("cacheEnabled"), on.getJsonArray("applied"));

    reloadWith(base.copy().put("cacheEnabled", false));
    reloadWith(base.copy().put("cacheEnabled", true));
    get();
    assertEquals(4, origin.count("/doc"), "turning it off dropped what it held");
  }

  @Test
  void aHitIsRefusedWhenTheDestinationPolicyNowRefusesTheTarget() throws Exception {
    JsonObject base = ProxyFixture.baseConfig(null, null).put("cacheEnabled", true);
    startWith(base);
    assertEquals(200, get().status());
    assertEquals("https-proxy; hit", get().header("Cache-Status"));

    reloadWith(base.copy().put("denyDestinations", new JsonArray().add("127.0.0.1/32")));
    Resp denied = get();

    assertEquals(403, denied.status());
    assertEquals(1, origin.count("/doc"));
  }

  @Test
  void aHitStillCountsAgainstTheRateLimit() throws Exception {
    startWith(
        ProxyFixture.baseConfig(null, null)
            .put("cacheEnabled", true)
            .put("rateLimit", 1)
            .put("rateBurst", 2));

    Resp miss = get();
    Resp hit = get();
    Resp limited = get();

    assertEquals(200, miss.status());
    assertEquals("https-proxy; hit", hit.header("Cache-Status"));
    assertEquals(429, limited.status());
    assertEquals(1, origin.count("/doc"));
  }

  @Test
  void aSmallerCacheMaxBytesEvictsOnReload() throws Exception {
    JsonObject base = ProxyFixture.baseConfig(null, null).put("cacheEnabled", true);
    startWith(base);
    for (int i = 0; i < 20; i++) {
      origin.headers("/many/" + i, "Cache-Control", "max-age=600");
      proxy.client().get(origin.url("/many/" + i)).await();
    }
    long before = stats().getLong("storedBytes");

    reloadWith(base.copy().put("cacheMaxBytes", 2048).put("cacheMaxObjectBytes", 1024));
    JsonObject after = stats();

    assertEquals(2048, after.getLong("maxBytes"));
    assertEquals(true, before > 2048, "before: " + before);
    assertEquals(true, after.getLong("storedBytes") <= 2048, after.encode());
  }

  @Test
  void aHitIsAnsweredAtOnceWhileTheOnlyWorkerIsBusyAndTheQueueFull() throws Exception {
    origin.slow("/busy", 3_000, "Cache-Control", "no-store");
    startWith(
        ProxyFixture.baseConfig(null, null)
            .put("cacheEnabled", true)
            .put("workers", 1)
            .put("queueSize", 1));
    get(); // stored

    var busy = proxy.client().get(origin.url("/busy")); // holds the worker for 3 s
    var queued = proxy.client().get(origin.url("/busy")); // the queue's one place
    Thread.sleep(300);
    long start = System.nanoTime();
    Resp hit = get();
    long ms = (System.nanoTime() - start) / 1_000_000;

    assertEquals("https-proxy; hit", hit.header("Cache-Status"));
    assertEquals(true, ms < 1_000, "answered without a worker: " + ms + " ms");
    assertEquals(200, busy.await().status());
    assertEquals(200, queued.await().status());
  }

  @Test
  void theAccessLogSaysHowTheCacheAnswered() throws Exception {
    startWith(ProxyFixture.baseConfig(null, null).put("cacheEnabled", true));
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(io.httpsproxy.ingress.AccessLog.LOGGER);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      get();
      get();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (lines.list.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } finally {
      logger.detachAppender(lines);
    }

    assertEquals(
        "miss", new JsonObject(lines.list.get(0).getFormattedMessage()).getString("cache"));
    JsonObject hit = new JsonObject(lines.list.get(1).getFormattedMessage());
    assertEquals("hit", hit.getString("cache"));
    assertEquals(0, hit.getLong("upstreamMs"));
    assertEquals(200, hit.getInteger("status"));
  }

  private JsonObject stats() {
    return proxy
        .admin()
        .local(HttpMethod.GET, "/stats", null)
        .await()
        .json()
        .getJsonObject("cache");
  }
}
