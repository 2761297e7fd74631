package io.httpsproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.PromText;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #16 item 12: the build's version, the members a node sees and the policy's refusals by rule
 * are metrics, and process CPU is counted in seconds (process_cpu_seconds_total), not in
 * nanoseconds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricNamesTest {

  @Test
  void buildMembersDenialsByRuleAndCpuSeconds() {
    try (ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null))) {
      ProxyClient client = proxy.client();
      for (String target :
          new String[] {"http://10.1.2.3/x", "http://192.168.7.7/y", "http://169.254.169.254/z"}) {
        assertEquals(403, client.get(target).await().status(), target);
      }
      JsonObject denied =
          proxy
              .admin()
              .local(HttpMethod.GET, "/stats", null)
              .await()
              .json()
              .getJsonObject("destinationsDenied");
      PromText prom =
          PromText.parse(
              proxy.admin().local(HttpMethod.GET, "/metrics", null).await().body().toString());

      for (String rule : denied.fieldNames()) {
        assertEquals(
            denied.getLong(rule),
            (long) prom.value("proxy_destinations_denied_total", "rule", rule),
            rule);
      }
      long refused = denied.fieldNames().stream().mapToLong(denied::getLong).sum();
      assertEquals(3, refused, denied.encode());
      assertEquals(1, prom.value("proxy_build_info", "version", "dev"));
      assertEquals(1, prom.value("proxy_cluster_members"));
      assertTrue(prom.value("process_cpu_seconds_total") > 0);
      assertTrue(prom.value("process_cpu_seconds_total") < 3_600, "seconds, not nanoseconds");
      assertFalse(prom.text().contains("process_cpu_time_ns"), "the nanosecond counter is gone");
    }
  }
}
