package io.httpsproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.httpsproxy.ProxyNode;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** A known mix of requests; every counter in /stats and in the periodic log adds up. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatsTest {

  @Test
  void countersAddUpForAKnownMixAndTheLogSaysTheSame() throws Exception {
    TestCa ca = TestCa.create("stats-test");
    Vertx clientVertx = Vertx.vertx();
    Logger statsLog = (Logger) LoggerFactory.getLogger("https-proxy.stats");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    statsLog.addAppender(logged);
    try (HttpsUpstream https = HttpsUpstream.https(ca.issue("localhost"))) {
      ProxyNode proxy =
          ProxyFixture.start(
              ProxyFixture.baseConfig(ca, null)
                  .put("workers", 1)
                  .put("queueSize", 1)
                  .put("requestTimeout", 5.0) // a first TLS call on a loaded machine takes seconds
                  .put("statsInterval", 0.2));
      ProxyClient client = new ProxyClient(clientVertx, proxy.port());
      ProxyClient admin = new ProxyClient(clientVertx, proxy.adminPort());
      try {
        sendKnownMix(proxy, client, https);
        // The access log and the gauges are written as the answer ends, which the client may see
        // a moment before; wait for them to settle.
        waitFor(
            () ->
                proxy.stats().busyWorkers().get() == 0
                    && proxy.stats().awaitingReply().get() == 0
                    && proxy.stats().queued().get() == 0
                    && proxy.stats().snapshot().getJsonObject("requests").getLong("total") >= 11);
        JsonObject s = admin.local(HttpMethod.GET, "/stats", null).await().json();

        JsonObject req = s.getJsonObject("requests");
        assertEquals(11, req.getLong("total"));
        assertEquals(6, req.getLong("success"));
        assertEquals(3, req.getLong("errors"));
        assertEquals(1, req.getLong("timeouts"));
        assertEquals(1, req.getLong("rejected"));
        assertEquals(
            new JsonObject()
                .put("BAD_REQUEST", 2)
                .put("QUEUE_FULL", 1)
                .put("UPSTREAM_TIMEOUT", 1)
                .put("UPSTREAM_REFUSED", 1),
            s.getJsonObject("errorsByType"));
        assertEquals(5, s.getJsonObject("upstreamStatus").getLong("2xx"));
        assertEquals(1, s.getJsonObject("upstreamStatus").getLong("5xx"));
        assertEquals(8, s.getJsonObject("upstream").getLong("calls"));
        assertEquals(0, s.getInteger("queued"));
        assertEquals(0, s.getInteger("busyWorkers"));
        assertEquals(0, s.getInteger("awaitingReply"));
        assertTrue(s.getDouble("avgProcessingMs") > 0);
        assertEquals(1, s.getJsonObject("limits").getInteger("workers"));

        Thread.sleep(500); // at least one more statistics interval
        String last = logged.list.get(logged.list.size() - 1).getFormattedMessage();
        assertTrue(last.contains("requests=11 success=6 errors=3 timeouts=1 rejected=1"), last);
        assertTrue(last.contains("UPSTREAM_REFUSED"), last);
      } finally {
        client.close();
        proxy.shutdown(Duration.ZERO).await();
      }
    } finally {
      statsLog.detachAppender(logged);
      clientVertx.close().await();
    }
  }

  private static void sendKnownMix(ProxyNode proxy, ProxyClient client, HttpsUpstream https)
      throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(200, client.get(https.url("/echo")).await().status());
    }
    assertEquals(503, client.get(https.url("/status/503")).await().status());
    assertEquals(400, client.fetchRaw("{").await().status());
    assertEquals(400, client.fetchRaw("{\"url\": \"ftp://x/\"}").await().status());
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertEquals(502, client.get("http://127.0.0.1:" + closed + "/").await().status());
    assertEquals(504, client.get(https.url("/delay/6000")).await().status());

    // Long enough that the worker is still busy when the third request arrives on a loaded machine.
    Future<ProxyClient.Resp> running = client.get(https.url("/delay/1500"));
    waitFor(() -> proxy.stats().busyWorkers().get() == 1);
    Future<ProxyClient.Resp> queued = client.get(https.url("/delay/1"));
    waitFor(() -> proxy.stats().queued().get() == 1);
    assertEquals(503, client.get(https.url("/echo")).await().status());
    assertEquals(200, running.await().status());
    assertEquals(200, queued.await().status());
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
