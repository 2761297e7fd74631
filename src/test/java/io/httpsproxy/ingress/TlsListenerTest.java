package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.metrics.TlsHandshakes;
import io.httpsproxy.testing.Curl;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.OpenSslClient;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.httpsproxy.testing.TestCa;
import io.httpsproxy.testing.TlsClients;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TLS listener serves what the plain port serves, with curl as the client ({@code --proxy
 * https://}): http:// targets, https:// targets (TLS twice, both absolute form and CONNECT, TLS
 * inside TLS), the JSON API; TLS 1.2 and 1.3 only, ALPN http/1.1, resumption.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsListenerTest {
  /**
   * A request the proxy answers (404: the node's own paths are on the admin port) and closes after:
   * s_client has read the tickets by then.
   */
  private static final String HEALTH =
      "GET /health HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n";

  private static TestCa ca;
  private static HttpsUpstream https;
  private static HttpsUpstream http;
  private static ProxyHarness proxy;
  private static String proxyUrl;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("tls-listener");
    https = HttpsUpstream.https(ca.issue("upstream"));
    http = HttpsUpstream.http();
    TestCa.ServerCert cert = ca.issue("proxy");
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("tlsPort", 0)
                .put("tlsCertFile", cert.certPem().toString())
                .put("tlsKeyFile", cert.keyPem().toString())
                .put("connectPorts", new io.vertx.core.json.JsonArray().add(https.port())));
    proxyUrl = "https://127.0.0.1:" + proxy.node().tlsPort();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    https.close();
    http.close();
  }

  private static String[] viaProxy(String... rest) {
    String[] head = {"--proxy", proxyUrl, "--proxy-cacert", ca.caPem().toString()};
    String[] all = new String[head.length + rest.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(rest, 0, all, head.length, rest.length);
    return all;
  }

  @Test
  void bothListenersAreUpOnTheirOwnPorts() {
    assertTrue(proxy.node().tlsPort() > 0);
    assertTrue(proxy.port() > 0);
    assertNotEquals(proxy.port(), proxy.node().tlsPort());
  }

  @Test
  void forwardsAnHttpTargetThroughTheTlsListener() throws Exception {
    int before = http.count("/echo/tls-plain");

    Curl.Result r = Curl.run(viaProxy(http.url("/echo/tls-plain")));

    assertEquals(0, r.exit(), r.describe());
    assertEquals(200, r.status(), r.describe());
    assertTrue(r.body().contains("/echo/tls-plain"), r.describe());
    assertEquals(before + 1, http.count("/echo/tls-plain"));
  }

  @Test
  void tunnelsAnHttpsTargetThroughTheTlsListenerTlsInsideTls() throws Exception {
    Curl.Result r =
        Curl.run(viaProxy("--cacert", ca.caPem().toString(), https.url("/echo/tls-tunnel")));

    assertEquals(0, r.exit(), r.describe());
    assertEquals(200, r.status(), r.describe());
    assertTrue(r.body().contains("/echo/tls-tunnel"), r.describe());
  }

  @Test
  void forwardsAnAbsoluteFormHttpsTargetOverTls() throws Exception {
    // curl always tunnels https:// targets, so the absolute form goes over a JDK TLS socket.
    SSLContext ctx = TlsClients.trusting(ca.caPem());
    try (SSLSocket s = TlsClients.connect(ctx, proxy.node().tlsPort())) {
      String url = https.url("/echo/tls-absolute");
      String reply =
          RawHttp.exchange(
              s, "GET " + url + " HTTP/1.1\r\nHost: localhost:" + https.port() + "\r\n\r\n");

      assertEquals(200, RawHttp.status(reply), reply);
      assertTrue(reply.contains("/echo/tls-absolute"), reply);
    }
  }

  @Test
  void servesTheJsonApiOverTls() throws Exception {
    String body = new JsonObject().put("url", http.url("/echo/tls-api")).encode();

    Curl.Result r =
        Curl.run("--cacert", ca.caPem().toString(), "--data", body, proxyUrl + "/api/v1/fetch");

    assertEquals(200, r.status(), r.describe());
    assertEquals(200, new JsonObject(r.body()).getInteger("status"), r.describe());
  }

  @Test
  void negotiatesHttp11ByAlpnEvenWhenH2IsOffered() throws Exception {
    SSLContext ctx = TlsClients.trusting(ca.caPem());
    try (SSLSocket s = TlsClients.connect(ctx, proxy.node().tlsPort(), "h2", "http/1.1")) {
      assertEquals("http/1.1", s.getApplicationProtocol());
    }
  }

  @Test
  void refusesTls11AndCountsIt() throws Exception {
    TlsHandshakes h = proxy.node().stats().tlsHandshakes();
    long before = h.count(TlsHandshakes.Reason.PROTOCOL);
    int upstreamBefore = http.total();

    String out =
        OpenSslClient.run(
            proxy.node().tlsPort(),
            "",
            "-tls1_1",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
            "-CAfile",
            ca.caPem().toString());

    assertTrue(out.contains("alert protocol version"), out);
    assertEquals(upstreamBefore, http.total());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (h.count(TlsHandshakes.Reason.PROTOCOL) == before && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(before + 1, h.count(TlsHandshakes.Reason.PROTOCOL), out);
  }

  @Test
  void speaksTls12AndTls13() throws Exception {
    for (String version : new String[] {"-tls1_2", "-tls1_3"}) {
      String out =
          OpenSslClient.run(proxy.node().tlsPort(), "", version, "-CAfile", ca.caPem().toString());

      assertTrue(out.contains("Verify return code: 0 (ok)"), out);
      assertTrue(out.contains(version.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3"), out);
    }
  }

  @Test
  void resumesASessionWithATicket() throws Exception {
    java.nio.file.Path sess = java.nio.file.Files.createTempFile("tls-session", ".pem");
    String first =
        OpenSslClient.run(
            proxy.node().tlsPort(),
            HEALTH,
            "-ign_eof",
            "-CAfile",
            ca.caPem().toString(),
            "-sess_out",
            sess.toString());
    String second =
        OpenSslClient.run(
            proxy.node().tlsPort(),
            HEALTH,
            "-ign_eof",
            "-CAfile",
            ca.caPem().toString(),
            "-sess_in",
            sess.toString());

    assertTrue(first.contains("New, TLSv1.3"), first);
    assertTrue(java.nio.file.Files.size(sess) > 0, "no ticket saved: " + first);
    assertTrue(second.contains("Reused, TLSv1.3"), second);
  }

  @Test
  void oneMaxConnectionsCountsBothListeners() throws Exception {
    TestCa.ServerCert cert = ca.issue("limited");
    try (ProxyHarness limited =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("maxConnections", 2)
                .put("tlsPort", 0)
                .put("tlsCertFile", cert.certPem().toString())
                .put("tlsKeyFile", cert.keyPem().toString()))) {
      SSLContext ctx = TlsClients.trusting(ca.caPem());
      String health =
          "GET "
              + http.url("/echo/limit")
              + " HTTP/1.1\r\nHost: localhost:"
              + http.port()
              + "\r\n\r\n";
      try (java.net.Socket plain = new java.net.Socket("127.0.0.1", limited.port());
          SSLSocket tls = TlsClients.connect(ctx, limited.node().tlsPort());
          SSLSocket third = TlsClients.connect(ctx, limited.node().tlsPort())) {
        plain.setSoTimeout(10_000);
        assertEquals(200, RawHttp.status(RawHttp.exchange(plain, health)));
        assertEquals(200, RawHttp.status(RawHttp.exchange(tls, health)));

        String refused = RawHttp.exchange(third, health);

        assertEquals(503, RawHttp.status(refused), refused);
      }
    }
  }

  @Test
  void thePlainListenerCanBeOff() throws Exception {
    TestCa.ServerCert cert = ca.issue("tls-only");
    try (ProxyHarness tlsOnly =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("port", -1)
                .put("tlsPort", 0)
                .put("tlsCertFile", cert.certPem().toString())
                .put("tlsKeyFile", cert.keyPem().toString()))) {
      Curl.Result r =
          Curl.run(
              "--proxy",
              "https://127.0.0.1:" + tlsOnly.node().tlsPort(),
              "--proxy-cacert",
              ca.caPem().toString(),
              http.url("/echo/tls-only"));

      assertEquals(200, r.status(), r.describe());
      assertEquals(0, tlsOnly.port(), "no plain port was bound");
    }
  }

  @Test
  void plainHttpSentToTheTlsPortIsCountedAsNotTls() throws Exception {
    TlsHandshakes h = proxy.node().stats().tlsHandshakes();
    long before = h.count(TlsHandshakes.Reason.NOT_TLS);

    String reply =
        RawHttp.exchange(proxy.node().tlsPort(), "GET /health HTTP/1.1\r\nHost: p\r\n\r\n", 2000);

    assertEquals(-1, RawHttp.status(reply), "no HTTP answer in clear text: " + reply);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (h.count(TlsHandshakes.Reason.NOT_TLS) == before && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(before + 1, h.count(TlsHandshakes.Reason.NOT_TLS));
  }

  @Test
  void aFixedTlsPortOfThisNodeIsNoDestination() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    TestCa.ServerCert cert = ca.issue("fixed");
    try (ProxyHarness fixed =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("tlsPort", port)
                .put("tlsCertFile", cert.certPem().toString())
                .put("tlsKeyFile", cert.keyPem().toString()))) {
      var r = fixed.client().get("http://127.0.0.1:" + port + "/health").await();

      assertEquals(403, r.status(), r.body().toString());
      assertEquals("DESTINATION_DENIED", r.header("X-Proxy-Error"));
    }
  }
}
