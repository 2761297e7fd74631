package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.httpsproxy.testing.TestDns;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The destination policy through a real proxy: what is refused answers 403 (or 400 for hosts that
 * are not canonical) and the recording upstreams prove nothing reached them. Names resolve only
 * through a DNS server on loopback; every address used is 127.x.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DestinationPolicyProxyTest {
  private static TestCa ca;
  private static TestDns dns;
  private static HttpsUpstream plain;
  private static HttpsUpstream tlsByName;

  /** The defaults: no allowDestinations. */
  private static ProxyHarness closed;

  /** Opens 127.0.0.1/32 and the names localhost and named.test; denies blocked.test. */
  private static ProxyHarness open;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("policy-test");
    dns =
        new TestDns()
            .add("named.test", "127.0.0.1")
            .add("blocked.test", "127.0.0.1")
            .add("internal.test", "127.0.0.2");
    plain = HttpsUpstream.http();
    // A certificate for the name only (no IP SAN): a 200 proves TLS checked the name.
    tlsByName =
        HttpsUpstream.https(
            ca.issue(
                "named.test",
                List.of("named.test"),
                List.of(),
                Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(1))));
    closed =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, dns).put("allowDestinations", new JsonArray()));
    open =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, dns)
                .put(
                    "allowDestinations",
                    new JsonArray().add("127.0.0.1/32").add("localhost").add("named.test"))
                .put("denyDestinations", new JsonArray().add("blocked.test")));
  }

  @AfterAll
  static void stop() {
    closed.close();
    open.close();
    plain.close();
    tlsByName.close();
    dns.close();
  }

  private static void assertDenied(Resp r, String rule) {
    assertEquals(403, r.status(), r.body().toString());
    assertEquals("DESTINATION_DENIED", r.header("X-Proxy-Error"));
    String message = r.json().getString("message");
    assertTrue(message.contains("'" + rule + "'"), message);
  }

  private static String plainUrl(String host, String path) {
    return "http://" + host + ":" + plain.port() + path;
  }

  @Test
  void defaultsRefuseLoopbackByAddressAndByNameAndNothingReachesTheUpstream() {
    int before = plain.total();
    long deniedBefore = closed.node().stats().count(DenyRule.LOOPBACK);

    assertDenied(closed.client().get(plainUrl("127.0.0.1", "/echo")).await(), "loopback");
    assertDenied(closed.client().get(plainUrl("localhost", "/echo")).await(), "loopback");
    assertDenied(
        closed.client().fetch(new JsonObject().put("url", plainUrl("localhost", "/x"))).await(),
        "loopback");

    assertEquals(before, plain.total(), "nothing reached the upstream");
    assertEquals(3, closed.node().stats().count(DenyRule.LOOPBACK) - deniedBefore);
    JsonObject stats =
        closed.admin().local(io.vertx.core.http.HttpMethod.GET, "/stats", null).await().json();
    assertTrue(stats.getJsonObject("destinationsDenied").getLong("loopback") >= 3, stats.encode());
  }

  @Test
  void nameThatResolvesToADeniedAddressIsRefused() {
    int before = plain.total();

    assertDenied(open.client().get(plainUrl("internal.test", "/echo")).await(), "loopback");

    assertEquals(before, plain.total());
  }

  @Test
  void resolvesOnceAndConnectsToTheAddressItChecked() throws Exception {
    // First answer allowed (127.0.0.1), every later one not (127.0.0.2, where nothing listens).
    dns.answerInTurn("rebind.test", "127.0.0.1", "127.0.0.2");

    Resp first = open.client().get(plainUrl("rebind.test", "/rebind")).await();

    assertEquals(200, first.status(), first.body().toString());
    assertEquals(1, dns.aQueries("rebind.test"), "one lookup per request");
    assertEquals(1, plain.count("/rebind"));
    assertEquals("rebind.test:" + plain.port(), plain.last().headers().get("host").get(0));

    Resp second = open.client().get(plainUrl("rebind.test", "/rebind")).await();

    assertDenied(second, "loopback");
    assertEquals(2, dns.aQueries("rebind.test"));
    assertEquals(1, plain.count("/rebind"), "the rebound request never reached anything");
  }

  @ParameterizedTest
  @ValueSource(strings = {"2130706433", "127.1", "0177.0.0.1", "0x7f.0.0.1", "010.0.0.1"})
  void alternateIpv4NotationsAreBadRequestsEvenWhereTheAddressIsAllowed(String host) {
    int before = plain.total();

    Resp forward = open.client().get(plainUrl(host, "/echo")).await();
    Resp api = open.client().fetch(new JsonObject().put("url", plainUrl(host, "/echo"))).await();

    assertEquals(400, forward.status(), forward.body().toString());
    assertEquals("BAD_REQUEST", forward.header("X-Proxy-Error"));
    assertEquals(400, api.status(), api.body().toString());
    assertEquals(before, plain.total());
  }

  @ParameterizedTest
  @ValueSource(strings = {"[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[64:ff9b::7f00:1]", "[::1]"})
  void ipv6FormsOfLoopbackAreRefusedEvenWhere127IsAllowed(String host) {
    int before = plain.total();

    Resp r = open.client().get(plainUrl(host, "/echo")).await();

    assertEquals(403, r.status(), r.body().toString());
    assertEquals("DESTINATION_DENIED", r.header("X-Proxy-Error"));
    assertEquals(before, plain.total());
  }

  @Test
  void idnaFormsAreCanonicalisedBeforeTheCheck() {
    int before = plain.total();
    String fullwidth = "http://ｌｏｃａｌｈｏｓｔ:" + plain.port() + "/idna";
    String ideographicDots = "http://127。0。0。1:" + plain.port() + "/idna";

    assertDenied(closed.client().fetch(new JsonObject().put("url", fullwidth)).await(), "loopback");
    assertDenied(
        closed.client().fetch(new JsonObject().put("url", ideographicDots)).await(), "loopback");
    assertEquals(before, plain.total());

    Resp allowed = open.client().fetch(new JsonObject().put("url", fullwidth)).await();

    assertEquals(200, allowed.json().getInteger("status"), allowed.body().toString());
    assertEquals("localhost:" + plain.port(), plain.last().headers().get("host").get(0));
  }

  @Test
  void tlsAndHostStayTheNameWhileTheConnectionGoesToTheCheckedAddress() {
    Resp r = open.client().get("https://named.test:" + tlsByName.port() + "/echo").await();

    assertEquals(200, r.status(), r.body().toString());
    assertEquals("named.test:" + tlsByName.port(), tlsByName.last().headers().get("host").get(0));
  }

  @Test
  void denyDestinationsWinsOverAnAllowedAddress() {
    int before = plain.total();

    assertDenied(open.client().get(plainUrl("blocked.test", "/echo")).await(), "denyDestinations");

    assertEquals(before, plain.total());
    assertEquals(200, open.client().get(plainUrl("127.0.0.1", "/echo")).await().status());
  }

  @Test
  void theProxyRefusesToCallItself() {
    Resp r = open.client().get("http://127.0.0.1:" + open.port() + "/stats").await();

    assertDenied(r, "proxy-self");
  }

  @Test
  void theProxyRefusesToCallItsOwnAdminListener() {
    int admin = open.node().adminPort();
    assertTrue(admin > 0 && admin != open.port());
    for (String path : new String[] {"/stats", "/metrics", "/admin/reload"}) {
      Resp r = open.client().get("http://127.0.0.1:" + admin + path).await();

      assertDenied(r, "proxy-self");
    }
    String reload = "http://127.0.0.1:" + admin + "/admin/reload";
    Resp post =
        open.client().forward(io.vertx.core.http.HttpMethod.POST, reload, null, null).await();
    assertDenied(post, "proxy-self");
  }
}
