package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.httpsproxy.testing.TestDns;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real proxy resolving through a stub DNS server: NXDOMAIN and SERVFAIL are 502 UPSTREAM_DNS at
 * once, a resolver that never answers is 504 UPSTREAM_DNS_TIMEOUT at dnsQueryTimeout, on the
 * absolute-form, JSON API and CONNECT paths; a failed name repeated within its negative TTL costs
 * no query, and a lower SOA minimum shortens that TTL. The latencies are printed ("measured:").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsFailureTest {
  private static TestDns dns;
  private static TestDns silent;
  private static ProxyHarness proxy;
  private static ProxyHarness deaf;

  @BeforeAll
  static void start() throws Exception {
    dns =
        new TestDns()
            .nxdomain("gone.test", 3600, 3600)
            .nxdomain("api-gone.test", 3600, 3600)
            .nxdomain("tunnel-gone.test", 3600, 3600)
            .nxdomain("long.test", 3600, 3600)
            .nxdomain("soa-one.test", 3600, 1)
            .servfail("broken.test");
    silent = TestDns.silent();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, dns)
                .put("dnsQueryTimeout", 1.0)
                .put("dnsNegativeTtl", 3.0));
    deaf = ProxyHarness.start(ProxyFixture.baseConfig(null, silent).put("dnsQueryTimeout", 1.0));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    deaf.close();
    dns.close();
    silent.close();
  }

  private static void assertProxyError(Resp r, int status, FailureCode code, String messagePart) {
    assertEquals(status, r.status(), r.body().toString());
    assertEquals(code.name(), r.header("X-Proxy-Error"));
    assertEquals(code.name(), r.json().getString("error"));
    String message = r.json().getString("message");
    assertTrue(message.contains(messagePart), message);
  }

  @Test
  void nxdomainIsAFast502AndRepeatsWithinTheTtlCostNoQuery() {
    Resp first = proxy.client().get("http://gone.test/").await();
    assertProxyError(first, 502, FailureCode.UPSTREAM_DNS, "gone.test (NXDOMAIN)");
    assertTrue(first.elapsedMs() < 1_000, first.elapsedMs() + " ms");
    int queries = dns.queries("gone.test");
    assertTrue(queries >= 1);
    long[] ms = new long[10];
    for (int i = 0; i < ms.length; i++) {
      Resp again = proxy.client().get("https://gone.test/x").await();
      assertProxyError(again, 502, FailureCode.UPSTREAM_DNS, "(NXDOMAIN), remembered");
      ms[i] = again.elapsedMs();
    }
    java.util.Arrays.sort(ms);
    assertEquals(queries, dns.queries("gone.test"), "10 repeats, 0 queries");
    System.out.println(
        "measured: NXDOMAIN through the proxy "
            + first.elapsedMs()
            + " ms; remembered repeats: median "
            + ms[ms.length / 2]
            + " ms, worst "
            + ms[ms.length - 1]
            + " ms");
  }

  @Test
  void theJsonApiAndConnectGetTheSameAnswers() throws Exception {
    Resp api = proxy.client().fetch(new JsonObject().put("url", "https://api-gone.test/")).await();
    assertProxyError(api, 502, FailureCode.UPSTREAM_DNS, "api-gone.test (NXDOMAIN)");
    String tunnel =
        RawHttp.exchange(
            proxy.port(),
            "CONNECT tunnel-gone.test:443 HTTP/1.1\r\nHost: tunnel-gone.test:443\r\n\r\n",
            2_000);
    assertTrue(tunnel.startsWith("HTTP/1.1 502"), tunnel);
    assertTrue(tunnel.contains("UPSTREAM_DNS"), tunnel);
    int queries = dns.queries("tunnel-gone.test");
    String again =
        RawHttp.exchange(
            proxy.port(),
            "CONNECT tunnel-gone.test:443 HTTP/1.1\r\nHost: tunnel-gone.test:443\r\n\r\n",
            2_000);
    assertTrue(again.startsWith("HTTP/1.1 502"), again);
    assertEquals(queries, dns.queries("tunnel-gone.test"), "tunnels share the negative cache");
  }

  @Test
  void servfailIsAFast502SaidSo() {
    Resp r = proxy.client().get("http://broken.test/").await();
    assertProxyError(r, 502, FailureCode.UPSTREAM_DNS, "the DNS server answered SERVFAIL");
    assertTrue(r.elapsedMs() < 1_000, r.elapsedMs() + " ms");
    System.out.println("measured: SERVFAIL through the proxy " + r.elapsedMs() + " ms");
  }

  @Test
  void aResolverThatNeverAnswersIsA504AtTheQueryTimeout() {
    long before = deaf.node().stats().count(FailureCode.UPSTREAM_DNS_TIMEOUT);
    int sent = silent.queries("anything.test");
    Resp r = deaf.client().get("http://anything.test/").await();
    assertTrue(silent.queries("anything.test") - sent <= 2, "A and AAAA once each, no retry");
    assertProxyError(r, 504, FailureCode.UPSTREAM_DNS_TIMEOUT, "within 1.0 s (dnsQueryTimeout)");
    // The first lookup also opens the loop's resolver channel: bounded loosely (a loaded machine).
    assertTrue(r.elapsedMs() >= 900 && r.elapsedMs() < 5_000, r.elapsedMs() + " ms");
    Resp api = deaf.client().fetch(new JsonObject().put("url", "https://anything.test/")).await();
    assertProxyError(api, 504, FailureCode.UPSTREAM_DNS_TIMEOUT, "anything.test");
    assertTrue(api.elapsedMs() >= 900 && api.elapsedMs() < 2_500, api.elapsedMs() + " ms");
    assertTrue(silent.queries("anything.test") >= 2, "a timeout is not remembered");
    assertEquals(before + 2, deaf.node().stats().count(FailureCode.UPSTREAM_DNS_TIMEOUT));
    System.out.println(
        "measured: silent resolver, dnsQueryTimeout 1 s: "
            + r.elapsedMs()
            + " ms (absolute form), "
            + api.elapsedMs()
            + " ms (JSON API)");
  }

  @Test
  void aLowerSoaMinimumIsHonouredAndTheSettingBoundsTheRest() throws Exception {
    proxy.client().get("http://soa-one.test/").await();
    proxy.client().get("http://long.test/").await();
    int soaOne = dns.queries("soa-one.test");
    int long1 = dns.queries("long.test");
    proxy.client().get("http://soa-one.test/").await();
    assertEquals(soaOne, dns.queries("soa-one.test"), "remembered within its SOA minimum");

    Thread.sleep(1_300);
    proxy.client().get("http://soa-one.test/").await();
    proxy.client().get("http://long.test/").await();
    assertTrue(dns.queries("soa-one.test") > soaOne, "SOA minimum 1 s wins over the 3 s setting");
    assertEquals(long1, dns.queries("long.test"), "SOA says an hour: the 3 s setting holds");

    Thread.sleep(2_000);
    Resp after = proxy.client().get("http://long.test/").await();
    assertProxyError(after, 502, FailureCode.UPSTREAM_DNS, "long.test (NXDOMAIN)");
    assertTrue(dns.queries("long.test") > long1, "asked again after dnsNegativeTtl");
  }
}
