package io.httpsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {
  private static final ProxyConfig RUNNING = ProxyConfig.defaults();

  @Test
  void sameConfigChangesNothing() {
    ConfigDiff d = ConfigDiff.between(RUNNING, ProxyConfig.defaults());

    assertEquals(List.of(), d.live());
    assertFalse(d.needsRestart());
  }

  @Test
  void liveSettingsAreListedInSettingOrder() {
    ConfigDiff d =
        ConfigDiff.between(
            RUNNING,
            RUNNING.with(
                new JsonObject()
                    .put("allowDestinations", new JsonArray().add("10.1.0.0/16"))
                    .put("queueSize", 7)
                    .put("logLevel", "debug")));

    assertEquals(List.of("queueSize", "allowDestinations", "logLevel"), d.liveKeys());
    assertFalse(d.needsRestart());
  }

  @Test
  void restartOnlySettingsAreNamedWithBothValues() {
    ConfigDiff d =
        ConfigDiff.between(
            RUNNING,
            RUNNING.with(
                new JsonObject().put("port", 9999).put("clusterName", "b").put("workers", 5)));

    assertTrue(d.needsRestart());
    assertEquals(List.of("port: 8888 -> 9999", "clusterName: https-proxy -> b"), d.restartOnly());
    assertEquals(List.of("workers"), d.liveKeys());
  }

  @Test
  void everySettingIsEitherLiveOrRestartOnly() {
    // The listener, threads, cluster, TLS trust, resolver and log files are set up once.
    List<Setting> restart =
        List.of(
            Setting.PORT,
            Setting.HOST,
            Setting.IDLE_TIMEOUT,
            Setting.SOCKET_BUFFER_BYTES,
            Setting.STATS_INTERVAL,
            Setting.VERTX_REQUEST_METRICS,
            Setting.CA_FILE,
            Setting.DNS_SERVERS,
            Setting.DNS_QUERY_TIMEOUT,
            Setting.DNS_NEGATIVE_TTL,
            Setting.EVENT_LOOPS,
            Setting.MAX_HEADER_SIZE,
            Setting.MAX_INITIAL_LINE_LENGTH,
            Setting.ADMIN_PORT,
            Setting.ADMIN_HOST,
            Setting.ADMIN_ON_PROXY_PORT,
            Setting.TLS_PORT,
            Setting.TLS_HOST,
            Setting.TLS_WATCH_INTERVAL,
            Setting.NODE_NAME,
            Setting.LOG_FORMAT,
            Setting.CLUSTER,
            Setting.CLUSTER_NAME,
            Setting.CLUSTER_MEMBERS,
            Setting.CLUSTER_HOST,
            Setting.CLUSTER_PORT,
            Setting.CLUSTER_PUBLIC_HOST,
            Setting.EVENT_BUS_PORT,
            Setting.CLUSTER_CONFIG,
            Setting.ACCESS_LOG,
            Setting.ACCESS_LOG_PATHS,
            Setting.NATIVE_TRANSPORT,
            Setting.TLS_ENGINE);
    for (Setting s : Setting.values()) {
      assertEquals(!restart.contains(s), s.live(), s.key());
    }
  }
}
