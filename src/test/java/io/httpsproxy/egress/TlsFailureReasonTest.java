package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upstream TLS failure says why (issue #16 item 1), on both engines: an untrusted issuer, an
 * expired or not yet valid certificate, a certificate for another name (and the name expected),
 * plain HTTP on the port, and a handshake the upstream ends with an alert. Each message is
 * asserted, not just "TLS".
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsFailureReasonTest {
  private static TestCa ca;
  private static Vertx vertx;
  private static HttpServer mutual;
  private static HttpsUpstream plain;
  private static HttpsUpstream untrusted;
  private static HttpsUpstream expired;
  private static HttpsUpstream early;
  private static HttpsUpstream otherName;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("tls-reasons");
    Instant now = Instant.now();
    untrusted = HttpsUpstream.https(TestCa.create("stranger").issue("localhost"));
    expired =
        HttpsUpstream.https(
            ca.issue(
                "localhost",
                List.of("localhost"),
                List.of("127.0.0.1"),
                now.minus(Duration.ofDays(10)),
                now.minus(Duration.ofDays(1))));
    early =
        HttpsUpstream.https(
            ca.issue(
                "localhost",
                List.of("localhost"),
                List.of("127.0.0.1"),
                now.plus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(10))));
    otherName =
        HttpsUpstream.https(
            ca.issue(
                "other.example",
                List.of("other.example"),
                List.of(),
                now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(1))));
    plain = HttpsUpstream.http();
    vertx = Vertx.vertx();
    TestCa.ServerCert cert = ca.issue("localhost");
    mutual =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setSsl(true)
                    .setKeyCertOptions(
                        new PemKeyCertOptions()
                            .setCertPath(cert.certPem().toString())
                            .setKeyPath(cert.keyPem().toString()))
                    .setTrustOptions(new PemTrustOptions().addCertPath(ca.caPem().toString()))
                    .setClientAuth(ClientAuth.REQUIRED))
            .requestHandler(req -> req.response().end("should not be reached"))
            .listen(0, "127.0.0.1")
            .await();
  }

  @AfterAll
  static void stop() {
    for (HttpsUpstream u : new HttpsUpstream[] {plain, untrusted, expired, early, otherName}) {
      if (u != null) {
        u.close();
      }
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  private static void assertReason(ProxyHarness proxy, String url, String... words) {
    Resp r = proxy.client().get(url).await();
    assertEquals(502, r.status(), r.body().toString());
    String error = r.json().getString("error");
    String message = r.json().getString("message");
    assertEquals("UPSTREAM_TLS", error, message);
    for (String w : words) {
      assertTrue(
          message.toLowerCase(Locale.ROOT).contains(w.toLowerCase(Locale.ROOT)),
          url + ": '" + w + "' not in: " + message);
    }
    assertTrue(!message.contains("Failed to create SSL connection"), message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"openssl", "jdk"})
  void eachFailureSaysWhy(String engine) {
    try (ProxyHarness proxy =
        ProxyHarness.start(ProxyFixture.baseConfig(ca, null).put("tlsEngine", engine))) {
      assertReason(proxy, untrusted.url("/x"), "issuer is not trusted", "caFile");
      assertReason(proxy, expired.url("/x"), "expired");
      assertReason(proxy, early.url("/x"), "not valid yet");
      assertReason(proxy, otherName.url("/x"), "another host name", "localhost");
      assertReason(
          proxy, "https://localhost:" + plain.port() + "/x", "did not answer in TLS", "plain HTTP");
      assertReason(
          proxy, "https://localhost:" + mutual.actualPort() + "/x", "ended the TLS handshake");
      assertEquals(0, untrusted.total() + expired.total() + early.total() + otherName.total());
    }
  }
}
