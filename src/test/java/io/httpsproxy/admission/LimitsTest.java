package io.httpsproxy.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.ProxyNode;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.RawHttp;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each row of the limits table, against a real HTTPS upstream that counts what reaches it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LimitsTest {
  private static TestCa ca;
  private static HttpsUpstream https;
  private static Vertx clientVertx;
  private ProxyNode proxy;
  private ProxyClient client;
  private ProxyClient admin;

  @BeforeAll
  static void startUpstream() throws Exception {
    ca = TestCa.create("limits-test");
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
    }
    if (admin != null) {
      admin.close();
    }
    if (proxy != null) {
      proxy.shutdown(Duration.ZERO).await();
    }
  }

  private void startProxy(JsonObject overrides) {
    proxy = ProxyFixture.start(ProxyFixture.baseConfig(ca, null).mergeIn(overrides));
    client = new ProxyClient(clientVertx, proxy.port());
    admin = new ProxyClient(clientVertx, proxy.adminPort());
  }

  @Test
  void rejectsWithRetryAfterWithin50msWhenQueueIsFull() {
    startProxy(new JsonObject().put("workers", 1).put("queueSize", 1));
    Future<Resp> running = client.get(https.url("/delay/1500"));
    waitFor(() -> proxy.stats().busyWorkers().get() == 1);
    Future<Resp> queued = client.get(https.url("/delay/1"));
    waitFor(() -> proxy.stats().queued().get() == 1);
    int before = https.count("/echo");
    // The first rejection loads classes and opens a third connection; time the second one.
    assertEquals(503, client.get(https.url("/echo")).await().status());

    Resp rejected = client.get(https.url("/echo")).await();

    assertEquals(503, rejected.status());
    assertEquals("QUEUE_FULL", rejected.json().getString("error"));
    assertEquals("1", rejected.header("Retry-After"));
    assertTrue(rejected.elapsedMs() < 50, "took " + rejected.elapsedMs() + " ms");
    assertEquals(200, running.await().status());
    assertEquals(200, queued.await().status());
    assertEquals(before, https.count("/echo"));
  }

  @Test
  void queueTimeoutAnswers503AndTheRequestNeverRunsUpstreamLater() throws Exception {
    startProxy(new JsonObject().put("workers", 1).put("queueSize", 10).put("queueTimeout", 0.3));
    Future<Resp> running = client.get(https.url("/delay/1200"));
    waitFor(() -> proxy.stats().busyWorkers().get() == 1);

    Resp timedOut = client.get(https.url("/echo/queued")).await();

    assertEquals(503, timedOut.status());
    assertEquals("QUEUE_TIMEOUT", timedOut.json().getString("error"));
    assertTrue(
        timedOut.elapsedMs() >= 250 && timedOut.elapsedMs() < 1000, "took " + timedOut.elapsedMs());
    assertEquals(200, running.await().status());
    Thread.sleep(300); // a late start would have reached the upstream by now
    assertEquals(0, https.count("/echo/queued"));
    assertEquals(0, proxy.stats().queued().get());
  }

  @Test
  void upstreamCallLongerThanRequestTimeoutIs504() {
    startProxy(new JsonObject().put("requestTimeout", 0.5));
    Resp r = client.get(https.url("/delay/5000")).await();
    assertEquals(504, r.status());
    assertEquals("UPSTREAM_TIMEOUT", r.json().getString("error"));
    assertTrue(r.elapsedMs() >= 450 && r.elapsedMs() < 2000, "took " + r.elapsedMs());
    waitFor(() -> proxy.stats().busyWorkers().get() == 0);
  }

  @Test
  void connectionsBeyondMaxConnectionsGet503AndAreClosed() throws Exception {
    startProxy(new JsonObject().put("maxConnections", 2));
    // Any answer shows a connection was taken: on the proxy port /stats is the 404 that points to
    // the admin port.
    String stats = "GET /stats HTTP/1.1\r\nHost: proxy\r\n\r\n";
    try (Socket a = new Socket("127.0.0.1", proxy.port());
        Socket b = new Socket("127.0.0.1", proxy.port())) {
      assertEquals(404, roundTrip(a, stats));
      assertEquals(404, roundTrip(b, stats));

      String third = RawHttp.exchange(proxy.port(), stats, 3000);

      assertEquals(503, RawHttp.status(third), third);
      assertTrue(third.contains("CONNECTION_LIMIT"));
      assertTrue(third.toLowerCase().contains("connection: close"));
      assertEquals(1L, proxy.stats().snapshot().getJsonObject("connections").getLong("rejected"));
    }
    waitFor(() -> proxy.stats().snapshot().getJsonObject("connections").getInteger("active") == 0);
    assertEquals(200, admin.local(HttpMethod.GET, "/stats", null).await().status());
  }

  @Test
  void requestBodyOverMaxBodyBytesIs413AndNeverReachesUpstream() throws Exception {
    startProxy(new JsonObject().put("maxBodyBytes", 1000));
    int before = https.total();

    Resp declared =
        client
            .forward(HttpMethod.POST, https.url("/echo"), null, Buffer.buffer("x".repeat(2000)))
            .await();
    assertEquals(413, declared.status());
    assertEquals("REQUEST_BODY_TOO_LARGE", declared.json().getString("error"));

    String chunk = Integer.toHexString(1500) + "\r\n" + "y".repeat(1500) + "\r\n";
    String chunked =
        RawHttp.exchange(
            proxy.port(),
            "POST "
                + https.url("/echo")
                + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk
                + "0\r\n\r\n",
            2000);
    assertEquals(413, RawHttp.status(chunked), chunked);

    Resp fits =
        client
            .forward(
                HttpMethod.POST, https.url("/status/201"), null, Buffer.buffer("z".repeat(1000)))
            .await();
    assertEquals(201, fits.status());
    assertEquals(before + 1, https.total());
    assertEquals(1000, https.last().body().length());
  }

  @Test
  void responseBodyOverMaxBodyBytesIs502() {
    startProxy(new JsonObject().put("maxBodyBytes", 1000));
    Resp big = client.get(https.url("/bytes/5000")).await();
    assertEquals(502, big.status());
    assertEquals("UPSTREAM_BODY_TOO_LARGE", big.json().getString("error"));
    assertTrue(big.json().getString("message").contains("1000"));
    assertEquals(200, client.get(https.url("/bytes/1000")).await().status());
  }

  private static int roundTrip(Socket s, String request) throws Exception {
    s.setSoTimeout(5000);
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    InputStream in = s.getInputStream();
    byte[] buf = new byte[65536];
    int n = in.read(buf);
    String head = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    return RawHttp.status(head);
  }

  private static void waitFor(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
