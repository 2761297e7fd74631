package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.httpsproxy.testing.TestDns;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each upstream failure kind maps to 502 with a message saying which. Names are resolved by a test
 * DNS server on loopback, so no query ever leaves the machine.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UpstreamFailureTest {
  private static TestCa ca;
  private static TestDns dns;
  private static HttpsUpstream good;
  private static ProxyHarness proxy;
  private static ProxyClient client;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("failure-test");
    dns = new TestDns().add("upstream.test", "127.0.0.1");
    good =
        HttpsUpstream.https(
            ca.issue(
                "upstream.test",
                List.of("upstream.test", "localhost"),
                List.of("127.0.0.1"),
                Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(1))));
    proxy = ProxyHarness.start(ProxyFixture.baseConfig(ca, dns).put("connectTimeout", 2.0));
    client = proxy.client();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    good.close();
    dns.close();
  }

  private static void assertProxyError(Resp r, int status, String code, String messagePart) {
    assertEquals(status, r.status(), r.body().toString());
    assertEquals(code, r.json().getString("error"));
    assertEquals(code, r.header("X-Proxy-Error"));
    String message = r.json().getString("message");
    assertTrue(message.contains(messagePart), message);
  }

  @Test
  void namesAreResolvedWithTheConfiguredResolverAndTlsVerifiesTheName() {
    int before = dns.queries();
    Resp r = client.get("https://upstream.test:" + good.port() + "/echo").await();
    assertEquals(200, r.status());
    assertTrue(dns.queries() > before);
  }

  @Test
  void unknownHostIs502Dns() {
    Resp r = client.get("https://no-such-host.test/").await();
    assertProxyError(r, 502, "UPSTREAM_DNS", "could not be resolved");
  }

  @Test
  void refusedConnectionIs502Refused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Resp r = client.get("http://127.0.0.1:" + port + "/").await();
    assertProxyError(r, 502, "UPSTREAM_REFUSED", "refused");
  }

  @Test
  void untrustedCertificateIs502Tls() throws Exception {
    TestCa other = TestCa.create("untrusted");
    try (HttpsUpstream up = HttpsUpstream.https(other.issue("localhost"))) {
      Resp r = client.get(up.url("/echo")).await();
      assertProxyError(r, 502, "UPSTREAM_TLS", "TLS");
      assertEquals(0, up.total());
    }
  }

  @Test
  void certificateForAnotherHostIs502Tls() throws Exception {
    TestCa.ServerCert wrong =
        ca.issue(
            "other.example",
            List.of("other.example"),
            List.of(),
            Instant.now().minus(Duration.ofDays(1)),
            Instant.now().plus(Duration.ofDays(1)));
    try (HttpsUpstream up = HttpsUpstream.https(wrong)) {
      Resp r = client.get(up.url("/echo")).await();
      assertProxyError(r, 502, "UPSTREAM_TLS", "TLS");
      assertEquals(0, up.total());
    }
  }

  @Test
  void expiredCertificateIs502Tls() throws Exception {
    TestCa.ServerCert expired =
        ca.issue(
            "localhost",
            List.of("localhost"),
            List.of("127.0.0.1"),
            Instant.now().minus(Duration.ofDays(10)),
            Instant.now().minus(Duration.ofDays(1)));
    try (HttpsUpstream up = HttpsUpstream.https(expired)) {
      Resp r = client.get(up.url("/echo")).await();
      assertProxyError(r, 502, "UPSTREAM_TLS", "TLS");
      assertEquals(0, up.total());
    }
  }

  @Test
  void withoutTheExtraCaTheJvmTrustStoreAloneRefusesTheTestCa() throws Exception {
    try (ProxyHarness strict = ProxyHarness.start(ProxyFixture.baseConfig(null, dns))) {
      Resp r = strict.client().get(good.url("/echo")).await();
      assertProxyError(r, 502, "UPSTREAM_TLS", "TLS");
    }
  }

  @Test
  void connectionClosedMidResponseCutsTheClientOffWithTheBodyIncomplete() throws Exception {
    // The head and the first bytes were streamed on before the upstream broke: the client keeps
    // the upstream's Content-Length, gets fewer bytes and then a closed connection, so the body
    // can never be taken for complete (a silently truncated 200 is what streaming must avoid).
    long resetsBefore =
        proxy.node().stats().count(io.httpsproxy.protocol.FailureCode.UPSTREAM_RESET);
    int port = good.port();
    long t0 = System.nanoTime();
    String raw =
        io.httpsproxy.testing.RawHttp.exchange(
            proxy.port(),
            "GET https://localhost:"
                + port
                + "/reset HTTP/1.1\r\nHost: localhost:"
                + port
                + "\r\n\r\n",
            10_000);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 5_000, "the proxy closed the connection (" + ms + " ms), not the read timeout");
    int split = raw.indexOf("\r\n\r\n");
    String head = raw.substring(0, split).toLowerCase(java.util.Locale.ROOT);
    String body = raw.substring(split + 4);
    assertTrue(head.startsWith("http/1.1 200"), head);
    assertTrue(head.contains("content-length: 1000"), head);
    assertEquals("0123456789", body, "what the upstream sent, and nothing after it");
    waitFor(
        () ->
            proxy.node().stats().count(io.httpsproxy.protocol.FailureCode.UPSTREAM_RESET)
                == resetsBefore + 1);
  }

  private static void waitFor(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 5 s");
      Thread.sleep(20);
    }
  }
}
