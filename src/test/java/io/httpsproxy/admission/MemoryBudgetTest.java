package io.httpsproxy.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.ProxyNode;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node's memory budget against a real proxy and upstream. The marks are set far below what this
 * JVM's heap holds (0.1 % of it), so the node stands over them from its first request: what it
 * sheds at each level, that nothing reaches the upstream, and that the admin routes stay up.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MemoryBudgetTest {
  private static TestCa ca;
  private static HttpsUpstream https;
  private static Vertx clientVertx;
  private ProxyNode proxy;
  private ProxyClient client;
  private ProxyClient admin;

  @BeforeAll
  static void startUpstream() throws Exception {
    ca = TestCa.create("memory-test");
    https = HttpsUpstream.https(ca.issue("localhost"));
    clientVertx = Vertx.vertx();
  }

  @AfterAll
  static void stopUpstream() {
    clientVertx.close().await();
    https.close();
  }

  @AfterEach
  void stopProxy() {
    if (client != null) {
      client.close();
      admin.close();
      proxy.shutdown(Duration.ZERO).await();
    }
  }

  private void start(double pressure, double critical) {
    proxy =
        ProxyFixture.start(
            ProxyFixture.baseConfig(ca, null)
                .put("memoryPressure", pressure)
                .put("memoryCritical", critical)
                .put("queueTimeout", 1.0));
    client = new ProxyClient(clientVertx, proxy.port());
    admin = new ProxyClient(clientVertx, proxy.adminPort());
  }

  private static void assertShed(Resp r) {
    assertEquals(503, r.status(), r.body().toString());
    assertEquals("MEMORY_PRESSURE", r.header("X-Proxy-Error"));
    assertEquals("1", r.header("Retry-After"));
    assertTrue(r.json().getString("message").contains("memoryCritical"), r.body().toString());
  }

  @Test
  void overMemoryCriticalEveryNewRequestIsRefusedBeforeItIsReadAndTheAdminRoutesStay() {
    start(0.001, 0.001);
    String path = "/critical";

    assertShed(client.get(https.url(path)).await());
    assertShed(
        client
            .forward(HttpMethod.POST, https.url(path), null, Buffer.buffer("x".repeat(10_000)))
            .await());
    assertShed(client.fetch(new JsonObject().put("url", https.url(path))).await());

    assertEquals(0, https.count(path), "nothing reached the upstream");
    assertEquals(200, admin.local(HttpMethod.GET, "/health", null).await().status());
    JsonObject memory =
        admin.local(HttpMethod.GET, "/stats", null).await().json().getJsonObject("memory");
    assertEquals("CRITICAL", memory.getString("level"));
    assertTrue(memory.getLong("shedCritical") >= 3, memory.encode());
    assertTrue(memory.getLong("liveHeapAfterGcBytes") > 0, memory.encode());
    String metrics = admin.local(HttpMethod.GET, "/metrics", null).await().body().toString();
    assertTrue(metrics.contains("proxy_memory_level{"), "the level is exported");
    assertTrue(metrics.matches("(?s).*proxy_memory_level\\{[^}]*} 2\\.0.*"), "level 2 exported");
  }

  @Test
  void overMemoryPressureKeepAliveGoesOffBodiesWaitAndTheApiIsRefused() {
    start(0.001, 1.0);

    Resp get = client.get(https.url("/pressure/get")).await();
    assertEquals(200, get.status());
    assertEquals("close", get.header("Connection"), "keep-alive is off under pressure");

    assertShed(client.fetch(new JsonObject().put("url", https.url("/pressure/api"))).await());

    // A body is not read while the node is short: held until the queue deadline (1 s), then 503.
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "text/plain");
    Resp held =
        client
            .forward(HttpMethod.POST, https.url("/pressure/post"), headers, Buffer.buffer("b"))
            .await();
    assertShed(held);
    assertTrue(held.elapsedMs() >= 900, "answered after " + held.elapsedMs() + " ms");
    assertEquals(1, https.count("/pressure/get"));
    assertEquals(0, https.count("/pressure/api"), "the API request never reached the upstream");
    assertEquals(0, https.count("/pressure/post"), "the held body never reached the upstream");
    JsonObject memory =
        admin.local(HttpMethod.GET, "/stats", null).await().json().getJsonObject("memory");
    assertEquals("PRESSURE", memory.getString("level"));
    assertTrue(memory.getLong("shedPressure") >= 2, memory.encode());
  }

  @Test
  void reservationsStopShortOfMemoryCriticalAndAreGivenBack() {
    MemoryGuard guard = new MemoryGuard(() -> 0.99, () -> 1.0);
    try {
      long max = guard.maxHeapBytes();
      assertTrue(guard.reserve(1024 * 1024));
      assertEquals(1024 * 1024, guard.heldBytes());
      assertFalse(guard.reserve(max), "a reservation past the heap is refused");
      assertEquals(1024 * 1024, guard.heldBytes(), "a refused reservation holds nothing");
      guard.release(1024 * 1024);
      assertEquals(0, guard.heldBytes());
      assertEquals(MemoryGuard.Level.NORMAL, guard.level());
    } finally {
      guard.close();
    }
  }
}
