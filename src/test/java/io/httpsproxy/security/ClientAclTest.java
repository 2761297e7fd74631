package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** allowClients: the matcher, and a real proxy refusing a client outside it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientAclTest {

  @Test
  void defaultAllowsLoopbackAndPrivateRangesOnly() {
    ClientAcl acl = ClientAcl.of(ProxyConfig.DEFAULT_ALLOW_CLIENTS);

    for (String ok :
        List.of("127.0.0.1", "::1", "10.1.2.3", "172.20.0.1", "192.168.9.9", "fd12::1")) {
      assertTrue(acl.allows(ok), ok);
    }
    for (String no : List.of("8.8.8.8", "172.32.0.1", "2001:4860::1", "169.254.1.1", "garbage")) {
      assertFalse(acl.allows(no), no);
    }
    assertFalse(acl.allows(null));
  }

  @Test
  void ipv4MappedClientsAreMatchedAsIpv4() {
    ClientAcl acl = ClientAcl.of(List.of("10.0.0.0/8"));

    assertTrue(acl.allows("::ffff:10.0.0.7"));
    assertFalse(acl.allows("::ffff:11.0.0.7"));
  }

  @Test
  void clientOutsideAllowClientsGets403AndNothingReachesTheUpstream() throws Exception {
    try (HttpsUpstream up = HttpsUpstream.http();
        ProxyHarness proxy =
            ProxyHarness.start(
                ProxyFixture.baseConfig(null, null)
                    .put("allowClients", new JsonArray().add("10.0.0.0/8")))) {
      String raw =
          RawHttp.exchange(
              proxy.port(),
              "GET http://127.0.0.1:" + up.port() + "/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
              3_000);

      assertEquals(403, RawHttp.status(raw), raw);
      assertTrue(raw.contains("X-Proxy-Error: CLIENT_DENIED"), raw);
      assertTrue(raw.toLowerCase().contains("connection: close"), raw);
      assertEquals(0, up.total());
      assertEquals(
          1, proxy.node().stats().snapshot().getJsonObject("connections").getLong("deniedClients"));
    }
  }

  @Test
  void defaultAllowClientsLetsLoopbackIn() throws Exception {
    try (HttpsUpstream up = HttpsUpstream.http();
        ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null))) {
      Resp r = proxy.client().get("http://127.0.0.1:" + up.port() + "/echo").await();

      assertEquals(200, r.status(), r.body().toString());
      assertEquals(1, up.total());
    }
  }
}
