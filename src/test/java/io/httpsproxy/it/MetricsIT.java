package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.PromText;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shaded jar serves /metrics with Vert.x, JVM and proxy meters, /health, /ready and /dashboard:
 * the vertx-micrometer service files, the Prometheus classes and the WebJar survive shading.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetricsIT {

  @Test
  void theJarExportsPrometheusMetricsAndAnswersHealthAndReady() {
    Path dir = JarProcess.workDir();
    Vertx vertx = Vertx.vertx();
    try (JarProcess node = JarProcess.start(dir, Map.of(), JarProcess.nodeArgs(dir))) {
      node.awaitListening(Duration.ofSeconds(15));
      // The jar's default: the node's own endpoints on the admin port (here a free one).
      ProxyClient client = new ProxyClient(vertx, node.awaitAdminPort(Duration.ofSeconds(5)));
      try {
        assertEquals(200, client.local(HttpMethod.GET, "/health", null).await().status());
        assertEquals(200, client.local(HttpMethod.GET, "/ready", null).await().status());
        // The dashboard's files and the uPlot WebJar survive shading.
        for (String path :
            new String[] {
              "/dashboard", "/dashboard/dashboard.js", "/dashboard/uplot/uPlot.min.css"
            }) {
          assertEquals(200, client.local(HttpMethod.GET, path, null).await().status(), path);
        }
        Resp scrape = client.local(HttpMethod.GET, "/metrics", null).await();
        assertEquals(200, scrape.status());
        PromText prom = PromText.parse(scrape.body().toString());
        for (String name :
            new String[] {
              "proxy_requests_total",
              "proxy_queue_wait_seconds_bucket",
              "vertx_pool_in_use",
              "jvm_memory_used_bytes",
              "process_uptime_seconds"
            }) {
          assertFalse(prom.find(name).isEmpty(), name + " missing\n" + node.log());
        }
        assertTrue(prom.value("proxy_requests_total", "outcome", "success") >= 0);
        assertFalse(node.log().contains("WARN"), node.log());
      } finally {
        client.close();
      }
    } finally {
      vertx.close().await();
    }
  }
}
