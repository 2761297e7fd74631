package io.httpsproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.ProxyNode;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.PromText;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Liveness and readiness, including readiness going false as soon as a drain starts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthTest {

  @Test
  void healthAndReadyAreUpOnceStarted() {
    try (ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null))) {
      ProxyClient.Resp health = proxy.admin().local(HttpMethod.GET, "/health", null).await();
      assertEquals(200, health.status());
      assertEquals("UP", health.json().getString("status"));
      ProxyClient.Resp ready = proxy.admin().local(HttpMethod.GET, "/ready", null).await();
      assertEquals(200, ready.status());
      assertEquals(new JsonObject().put("status", "UP"), ready.json());
    }
  }

  @Test
  void readyTurns503WithReasonDrainingOnceDrainingStartsWhileHealthStaysUp() {
    try (ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null))) {
      proxy.node().startDraining();
      ProxyClient.Resp ready = proxy.admin().local(HttpMethod.GET, "/ready", null).await();
      assertEquals(503, ready.status());
      assertEquals(
          new JsonObject().put("status", "DOWN").put("reasons", new JsonArray().add("draining")),
          ready.json());
      assertEquals(200, proxy.admin().local(HttpMethod.GET, "/health", null).await().status());
      String metrics =
          proxy.admin().local(HttpMethod.GET, "/metrics", null).await().body().toString();
      assertEquals(0, PromText.parse(metrics).value("proxy_ready"));
    }
  }

  @Test
  void shutdownMakesTheNodeNotReadyAtOnceWhileASlowRequestIsStillDraining() throws Exception {
    TestCa ca = TestCa.create("health-test");
    Vertx clientVertx = Vertx.vertx();
    try (HttpsUpstream https = HttpsUpstream.https(ca.issue("localhost"))) {
      ProxyNode node = ProxyFixture.start(ProxyFixture.baseConfig(ca, null));
      ProxyClient client = new ProxyClient(clientVertx, node.port());
      try {
        assertTrue(node.readiness().ready());
        Future<ProxyClient.Resp> slow = client.get(https.url("/delay/1500"));
        waitFor(() -> node.stats().busyWorkers().get() == 1);

        Future<Void> stopped = node.shutdown(Duration.ofSeconds(10));
        assertEquals(List.of("draining"), node.readiness().reasons());
        assertFalse(stopped.isComplete(), "still draining while the slow request runs");
        assertEquals(200, slow.await().status());
        stopped.await();
      } finally {
        client.close();
      }
    } finally {
      clientVertx.close().await();
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(5);
    }
  }
}
