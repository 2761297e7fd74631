package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What reaches the upstream of a client's Forwarded / X-Forwarded-* claims under each
 * forwardedHeaders policy (issue #12 item 3), for absolute-form requests and the JSON API alike.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForwardedHeadersProxyTest {
  private static final String CLAIMS =
      "X-Forwarded-For: 6.6.6.6\r\nx-forwarded-for: 7.7.7.7\r\nFORWARDED: for=6.6.6.6\r\n"
          + "X-Real-IP: 6.6.6.6\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n";
  private static final String[] FAMILY = {
    "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip"
  };

  private static HttpsUpstream upstream;

  @BeforeAll
  static void start() {
    upstream = HttpsUpstream.http();
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  private static Map<String, List<String>> forwardThrough(ProxyHarness proxy, String path)
      throws IOException {
    String answer =
        RawHttp.exchange(
            proxy.port(),
            "GET http://localhost:"
                + upstream.port()
                + path
                + " HTTP/1.1\r\nHost: localhost\r\n"
                + CLAIMS
                + "Connection: close\r\n\r\n",
            5_000);
    assertEquals(200, RawHttp.status(answer), answer);
    return upstream.last().headers();
  }

  private static Map<String, List<String>> fetchThrough(ProxyHarness proxy, String path) {
    JsonObject headers =
        new JsonObject()
            .put("X-Forwarded-For", "6.6.6.6")
            .put("Forwarded", "for=6.6.6.6")
            .put("X-Real-IP", "6.6.6.6")
            .put("X-Forwarded-Host", "evil.example");
    var r =
        proxy
            .client()
            .fetch(new JsonObject().put("url", upstream.url(path)).put("headers", headers))
            .await();
    assertEquals(200, r.status(), r.body().toString());
    return upstream.last().headers();
  }

  @Test
  void byDefaultEveryClaimIsStrippedAndNothingIsAdded() throws IOException {
    try (ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null))) {
      for (Map<String, List<String>> got :
          List.of(
              forwardThrough(proxy, "/echo/fwd-strip"), fetchThrough(proxy, "/echo/api-strip"))) {
        for (String name : FAMILY) {
          assertFalse(got.containsKey(name), name + " reached the upstream: " + got);
        }
        assertEquals(List.of("1.1 https-proxy"), got.get("via"), "other headers still go");
      }
    }
  }

  @Test
  void appendKeepsTheChainAndAddsTheAddressTheProxySaw() throws IOException {
    try (ProxyHarness proxy = start("append")) {
      Map<String, List<String>> got = forwardThrough(proxy, "/echo/fwd-append");
      assertEquals(List.of("6.6.6.6, 7.7.7.7, 127.0.0.1"), got.get("x-forwarded-for"));
      assertEquals(List.of("for=6.6.6.6, for=127.0.0.1"), got.get("forwarded"));
      assertEquals(List.of("evil.example"), got.get("x-forwarded-host"));

      Map<String, List<String>> api = fetchThrough(proxy, "/echo/api-append");
      assertEquals(List.of("6.6.6.6, 127.0.0.1"), api.get("x-forwarded-for"));
      assertEquals(List.of("for=6.6.6.6, for=127.0.0.1"), api.get("forwarded"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"replace", "REPLACE", " Replace "})
  void replaceSetsOnlyTheAddressTheProxySaw(String spelling) throws IOException {
    try (ProxyHarness proxy = start(spelling)) {
      for (Map<String, List<String>> got :
          List.of(forwardThrough(proxy, "/echo/fwd-repl"), fetchThrough(proxy, "/echo/api-repl"))) {
        assertEquals(List.of("127.0.0.1"), got.get("x-forwarded-for"));
        assertEquals(List.of("for=127.0.0.1"), got.get("forwarded"));
        assertFalse(got.containsKey("x-real-ip"), got.toString());
        assertFalse(got.containsKey("x-forwarded-host"), got.toString());
      }
    }
  }

  @Test
  void passForwardsTheClaimsUntouched() throws IOException {
    try (ProxyHarness proxy = start("pass")) {
      Map<String, List<String>> got = forwardThrough(proxy, "/echo/fwd-pass");
      assertEquals(List.of("6.6.6.6", "7.7.7.7"), got.get("x-forwarded-for"));
      assertEquals(List.of("for=6.6.6.6"), got.get("forwarded"));
      assertEquals(List.of("6.6.6.6"), got.get("x-real-ip"));
    }
  }

  private static ProxyHarness start(String policy) {
    return ProxyHarness.start(ProxyFixture.baseConfig(null, null).put("forwardedHeaders", policy));
  }
}
