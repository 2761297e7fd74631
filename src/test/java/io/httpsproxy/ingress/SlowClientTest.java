package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Timeouts around slow clients and slow upstreams, on one connection at a time: a request that
 * outlasts idleTimeout is still answered, an idle connection still closes, a trickled body is cut
 * at bodyTimeout, and a header timeout is answered and counted once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientTest {
  private static HttpsUpstream upstream;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() {
    upstream = HttpsUpstream.http();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("idleTimeout", 1.0)
                .put("headerTimeout", 0.6)
                .put("bodyTimeout", 0.8)
                .put("requestTimeout", 5.0));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    upstream.close();
  }

  @Test
  void aRequestThatOutlastsIdleTimeoutIsStillAnswered() {
    Resp r = proxy.client().get(upstream.url("/delay/2500")).await();

    assertEquals(200, r.status(), r.body().toString());
    assertEquals("slow", r.body().toString());
    assertTrue(r.elapsedMs() >= 2_500, r.elapsedMs() + " ms");
  }

  @Test
  void aConnectionIdleBetweenRequestsStillCloses() throws Exception {
    try (Socket s = connect()) {
      assertTrue(RawHttp.exchange(s, get("/echo")).startsWith("HTTP/1.1 200"));
      long quietFrom = System.nanoTime();

      assertEquals(-1, s.getInputStream().read(), "closed, without another answer");
      long ms = (System.nanoTime() - quietFrom) / 1_000_000;
      assertTrue(ms >= 900 && ms < 4_000, "closed after " + ms + " ms idle");
    }
  }

  @Test
  void aBodyThatTricklesInIsCutAtBodyTimeout() throws Exception {
    int before = upstream.total();
    String head =
        "POST "
            + upstream.url("/echo")
            + " HTTP/1.1\r\nHost: localhost:"
            + upstream.port()
            + "\r\nContent-Length: 100\r\n\r\n";
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      // A byte every 200 ms: each restarts the idle timer, none finishes the body.
      for (int i = 0; i < 5; i++) {
        out.write('x');
        out.flush();
        Thread.sleep(200);
      }
      String answer = readAll(s.getInputStream());
      long ms = (System.nanoTime() - start) / 1_000_000;

      assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
      assertTrue(answer.contains("X-Proxy-Error: BODY_TIMEOUT"), answer);
      assertTrue(ms >= 750 && ms < 3_000, "answered after " + ms + " ms");
    }
    assertEquals(before, upstream.total(), "nothing reached the upstream");
  }

  @Test
  void aHeaderTimeoutIsAnsweredAndCountedOnce() throws Exception {
    JsonObject before = errorsByType();
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              ("GET " + upstream.url("/echo") + " HTTP/1.1\r\nHost: x\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String answer = readAll(s.getInputStream());

      assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
    }
    Thread.sleep(200); // the close reaches the decoder after the answer
    JsonObject after = errorsByType();
    assertEquals(
        before.getInteger("HEADER_TIMEOUT", 0) + 1,
        after.getInteger("HEADER_TIMEOUT", 0),
        after.encode());
    assertEquals(
        before.getInteger("BAD_FRAMING", 0), after.getInteger("BAD_FRAMING", 0), after.encode());
  }

  // ---- helpers ----

  private static JsonObject errorsByType() {
    return proxy
        .admin()
        .local(HttpMethod.GET, "/stats", null)
        .await()
        .json()
        .getJsonObject("errorsByType");
  }

  private static Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 2_000);
    s.setSoTimeout(10_000);
    return s;
  }

  private static String get(String path) {
    return "GET "
        + upstream.url(path)
        + " HTTP/1.1\r\nHost: localhost:"
        + upstream.port()
        + "\r\n\r\n";
  }

  /** Everything until the proxy closes the connection. */
  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }
}
