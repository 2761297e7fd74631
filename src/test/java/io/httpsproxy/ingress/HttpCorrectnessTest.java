package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 9110 section 7.6 and RFC 9112 at the ingress: Via, loops, Max-Forwards, TRACE, framing
 * attacks, parser limits, the header timeout and h2c. Each test checks the client's answer and,
 * through the recording upstream, that nothing forbidden reached it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpCorrectnessTest {
  private static HttpsUpstream upstream;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() {
    upstream = HttpsUpstream.http();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("headerTimeout", 0.5)
                .put("maxInitialLineLength", 512)
                .put("maxHeaderSize", 2048));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    upstream.close();
  }

  private static MultiMap headers(String... nv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nv.length; i += 2) {
      m.add(nv[i], nv[i + 1]);
    }
    return m;
  }

  private String raw(String request) throws Exception {
    return RawHttp.exchange(proxy.port(), request, 1500);
  }

  private String host() {
    return "localhost:" + upstream.port();
  }

  @Test
  void addsViaUpstreamAndDownstreamWithAPseudonym() {
    Resp r = proxy.client().get(upstream.url("/echo/via")).await();

    assertEquals(200, r.status());
    assertEquals("1.1 https-proxy", r.header("Via"));
    assertEquals(java.util.List.of("1.1 https-proxy"), upstream.last().headers().get("via"));
  }

  @Test
  void noContentAndNotModifiedCarryNoContentLength() {
    // RFC 9110 8.6: never on a 204; on a 304 only the length a 200 would have had, so none here.
    for (int status : new int[] {204, 304}) {
      Resp r = proxy.client().get(upstream.url("/status/" + status)).await();

      assertEquals(status, r.status());
      assertEquals(null, r.header("Content-Length"), status + " " + r.headers());
      assertEquals(null, r.header("Transfer-Encoding"), status + " " + r.headers());
      assertEquals(0, r.body().length());
    }
  }

  @Test
  void refusesARequestWhoseViaNamesThisProxyWith508() {
    int before = upstream.total();
    Resp r =
        proxy
            .client()
            .forward(
                HttpMethod.GET,
                upstream.url("/echo/loop"),
                headers("Via", "1.0 corp-gw, 1.1 https-proxy"),
                null)
            .await();

    assertEquals(508, r.status());
    assertEquals("LOOP_DETECTED", r.header("X-Proxy-Error"));
    assertEquals(before, upstream.total());
  }

  @Test
  void answersOptionsWithMaxForwardsZeroItself() {
    int before = upstream.total();
    Resp r =
        proxy
            .client()
            .forward(
                HttpMethod.OPTIONS, upstream.url("/echo/mf0"), headers("Max-Forwards", "0"), null)
            .await();

    assertEquals(200, r.status());
    assertTrue(r.header("Allow").contains("GET"));
    assertEquals(before, upstream.total());
  }

  @Test
  void decrementsMaxForwardsOnOptions() {
    Resp r =
        proxy
            .client()
            .forward(
                HttpMethod.OPTIONS, upstream.url("/echo/mf5"), headers("Max-Forwards", "5"), null)
            .await();

    assertEquals(200, r.status());
    assertEquals(java.util.List.of("4"), upstream.last().headers().get("max-forwards"));
  }

  @Test
  void refusesTraceWith405AndNothingReachesUpstream() {
    int before = upstream.total();
    Resp r =
        proxy
            .client()
            .forward(
                HttpMethod.TRACE, upstream.url("/echo/trace"), headers("Max-Forwards", "3"), null)
            .await();

    assertEquals(405, r.status());
    assertEquals(before, upstream.total());
  }

  @Test
  void neverMergesSetCookieHeaders() {
    Resp r = proxy.client().get(upstream.url("/hop")).await();

    assertEquals(java.util.List.of("a=1; Path=/", "b=2; Path=/"), r.headers().getAll("Set-Cookie"));
  }

  private void assertRefusedAndClosed(String request, int status) throws Exception {
    int before = upstream.total();
    String answer = raw(request);

    assertEquals(status, RawHttp.status(answer), answer);
    assertTrue(answer.toLowerCase().contains("connection: close"), answer);
    assertEquals(1, answer.split("HTTP/1.", -1).length - 1, "exactly one answer: " + answer);
    Thread.sleep(100);
    assertEquals(before, upstream.total(), "nothing may reach the upstream");
  }

  @Test
  void refusesContentLengthWithTransferEncoding() throws Exception {
    assertRefusedAndClosed(
        "POST http://"
            + host()
            + "/echo/clte HTTP/1.1\r\nHost: "
            + host()
            + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            + "GET http://"
            + host()
            + "/echo/smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
        400);
    assertEquals(0, upstream.count("/echo/smuggled"));
  }

  @Test
  void refusesConflictingContentLengths() throws Exception {
    assertRefusedAndClosed(
        "POST http://"
            + host()
            + "/echo/cl2 HTTP/1.1\r\nHost: "
            + host()
            + "\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
        400);
  }

  @Test
  void refusesMalformedContentLength() throws Exception {
    assertRefusedAndClosed(
        "POST http://"
            + host()
            + "/echo/clbad HTTP/1.1\r\nHost: "
            + host()
            + "\r\nContent-Length: +3\r\n\r\nabc",
        400);
  }

  @Test
  void refusesMalformedChunkSize() throws Exception {
    int before = upstream.total();
    String answer =
        raw(
            "POST http://"
                + host()
                + "/echo/chunk HTTP/1.1\r\nHost: "
                + host()
                + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");

    assertEquals(400, RawHttp.status(answer), answer);
    Thread.sleep(100);
    assertEquals(before, upstream.total());
  }

  @Test
  void answers414ToATooLongRequestLine() throws Exception {
    assertRefusedAndClosed(
        "GET http://" + host() + "/" + "a".repeat(600) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
  }

  @Test
  void answers431ToTooLargeHeaders() throws Exception {
    assertRefusedAndClosed(
        "GET http://"
            + host()
            + "/echo/big HTTP/1.1\r\nHost: x\r\nX-Big: "
            + "b".repeat(3000)
            + "\r\n\r\n",
        431);
  }

  @Test
  void answers408WhenHeadersTrickleInTooSlowly() throws Exception {
    int before = upstream.total();
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write(
              ("GET http://" + host() + "/echo/slow HTTP/1.1\r\nHost: x\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      long start = System.nanoTime();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      long ms = (System.nanoTime() - start) / 1_000_000;

      assertEquals(408, RawHttp.status(answer), answer);
      assertTrue(answer.contains("HEADER_TIMEOUT"), answer);
      assertTrue(ms < 3000, "closed after " + ms + " ms");
    }
    assertEquals(before, upstream.total());
  }

  @Test
  void aSilentConnectionGets408() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5000);
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

      assertEquals(408, RawHttp.status(answer), answer);
    }
  }

  @Test
  void aKeptAliveConnectionServesMoreThanHeaderTimeout() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(200, proxy.client().get(upstream.url("/echo/ka")).await().status());
      Thread.sleep(300);
    }
  }

  @Test
  void doesNotUpgradeToH2c() throws Exception {
    String answer =
        raw(
            "GET http://"
                + host()
                + "/echo/h2c HTTP/1.1\r\nHost: "
                + host()
                + "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");

    assertEquals(200, RawHttp.status(answer), answer);
    assertFalse(answer.contains("101"), answer);
    assertNull(upstream.last().headers().get("upgrade"));
    assertNull(upstream.last().headers().get("http2-settings"));
  }

  @Test
  void refusesThePriorKnowledgeH2cPreface() throws Exception {
    int before = upstream.total();
    String answer = raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

    // Vert.x answers the preface with a text status line (501), never with an HTTP/2 SETTINGS frame
    assertTrue(answer.isEmpty() || answer.matches("(?s)HTTP/\\S+ [45][0-9][0-9] .*"), answer);
    assertEquals(before, upstream.total());
  }

  @Test
  void theInvalidRequestAnswerCarriesTheJsonErrorBody() throws Exception {
    String answer = raw("GET http://" + host() + "/" + "a".repeat(600) + " HTTP/1.1\r\n\r\n");

    assertTrue(answer.contains("\"error\":\"URI_TOO_LONG\""), answer);
  }

  @Test
  void theTargetNotAConflictingHostHeaderDecidesWhereTheRequestGoes() throws Exception {
    int before = upstream.count("/echo/host");
    String out =
        raw(
            "GET http://"
                + host()
                + "/echo/host HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n");

    assertEquals(200, RawHttp.status(out), out);
    assertEquals(before + 1, upstream.count("/echo/host"));
    assertEquals(java.util.List.of(host()), upstream.last().headers().get("host"));
  }

  @Test
  void twoHostHeadersAre400AndReachNoUpstream() throws Exception {
    int before = upstream.total();
    String out =
        raw(
            "GET http://"
                + host()
                + "/echo/hosts HTTP/1.1\r\nHost: "
                + host()
                + "\r\nHost: other.example\r\nConnection: close\r\n\r\n");

    assertEquals(400, RawHttp.status(out), out);
    assertEquals(before, upstream.total());
  }
}
