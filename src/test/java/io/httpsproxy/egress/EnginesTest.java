package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both upstream TLS engines and both socket transports really run (the jar bundles BoringSSL and
 * epoll for Linux x86-64, where the tests run) and verify upstream certificates the same way:
 * trusted chain, matching name, validity.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EnginesTest {
  private static TestCa ca;
  private static HttpsUpstream good;
  private static HttpsUpstream wrongName;
  private static HttpsUpstream expired;
  private static HttpsUpstream untrusted;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("engines-test");
    Instant now = Instant.now();
    good = HttpsUpstream.https(ca.issue("localhost"));
    wrongName =
        HttpsUpstream.https(
            ca.issue(
                "other.example",
                List.of("other.example"),
                List.of(),
                now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(1))));
    expired =
        HttpsUpstream.https(
            ca.issue(
                "localhost",
                List.of("localhost"),
                List.of("127.0.0.1"),
                now.minus(Duration.ofDays(10)),
                now.minus(Duration.ofDays(1))));
    untrusted = HttpsUpstream.https(TestCa.create("untrusted").issue("localhost"));
  }

  @AfterAll
  static void stop() {
    for (HttpsUpstream u : List.of(good, wrongName, expired, untrusted)) {
      u.close();
    }
  }

  @ParameterizedTest(name = "tlsEngine {0}, nativeTransport {1}")
  @CsvSource({"openssl, false, nio", "jdk, false, nio", "openssl, true, epoll", "jdk, true, epoll"})
  void engineRunsAsAskedAndVerifiesUpstreamCertificates(
      String tls, boolean nativeTransport, String transport) {
    try (ProxyHarness proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("tlsEngine", tls)
                .put("nativeTransport", nativeTransport))) {
      assertEquals(
          new JsonObject().put("transport", transport).put("tls", tls),
          stats(proxy).getJsonObject("engines"));
      assertNull(proxy.node().engines().fallback());

      for (int i = 0; i < 3; i++) { // a new connection, then pooled ones
        Resp ok = proxy.client().get(good.url("/echo")).await();
        assertEquals(200, ok.status(), ok.body().toString());
      }
      int before = good.total();
      Resp big = proxy.client().get(good.url("/bytes/200000")).await();
      assertEquals(200, big.status());
      assertEquals(200_000, big.body().length());
      assertEquals(before + 1, good.total());

      for (HttpsUpstream bad : List.of(wrongName, expired, untrusted)) {
        Resp r = proxy.client().get(bad.url("/echo")).await();
        assertEquals(502, r.status(), r.body().toString());
        assertEquals("UPSTREAM_TLS", r.header("X-Proxy-Error"));
        assertTrue(
            r.json().getString("message").startsWith("upstream TLS failed"),
            r.json().getString("message"));
        assertEquals(0, bad.total(), "no request may reach an upstream that failed verification");
      }
    }
  }

  private static JsonObject stats(ProxyHarness proxy) {
    return proxy.admin().local(HttpMethod.GET, "/stats", null).await().json();
  }
}
