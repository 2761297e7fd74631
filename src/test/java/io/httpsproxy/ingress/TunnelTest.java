package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.PromText;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CONNECT tunnels end to end: a Vert.x HttpClient configured with an HTTP proxy (it sends CONNECT
 * for https URLs, like {@code curl -x}) talks TLS through the tunnel to a real HTTPS upstream that
 * only the client trusts; the proxy sees bytes only.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TunnelTest {
  private static TestCa ca;
  private static HttpsUpstream upstream;
  private static ProxyHarness proxy;
  private static Vertx clientVertx;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("tunnel-test");
    upstream = HttpsUpstream.https(ca.issue("localhost"));
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("connectPorts", new JsonArray().add(upstream.port()))
                .put("tunnelIdleTimeout", 1.0));
    clientVertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    clientVertx.close().await();
    proxy.close();
    upstream.close();
  }

  private static HttpClientAgent clientThroughProxy() {
    return clientVertx.createHttpClient(
        new HttpClientOptions()
            .setSsl(true)
            .setTrustOptions(new PemTrustOptions().addCertPath(ca.caPem().toString()))
            .setProxyOptions(
                new ProxyOptions()
                    .setType(ProxyType.HTTP)
                    .setHost("127.0.0.1")
                    .setPort(proxy.port())));
  }

  private static String connect(String authority) throws Exception {
    return RawHttp.exchange(
        proxy.port(), "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n", 500);
  }

  @Test
  void httpsThroughATunnelReachesTheUpstreamAndBytesAreCounted() {
    HttpClientAgent http = clientThroughProxy();
    int before = upstream.count("/echo");
    JsonObject statsBefore = proxy.node().stats().snapshot().getJsonObject("tunnels");

    Buffer body =
        http.request(
                new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setAbsoluteURI("https://localhost:" + upstream.port() + "/echo"))
            .compose(req -> req.send("through-the-tunnel"))
            .compose(resp -> resp.body())
            .await();
    http.close().await();

    JsonObject echo = body.toJsonObject();
    assertEquals("POST", echo.getString("method"));
    assertEquals(before + 1, upstream.count("/echo"));
    JsonObject tunnels = proxy.node().stats().snapshot().getJsonObject("tunnels");
    assertEquals(statsBefore.getLong("opened") + 1, tunnels.getLong("opened"));
    assertTrue(
        tunnels.getLong("bytesFromClient") - statsBefore.getLong("bytesFromClient") > 100,
        tunnels.encode());
    assertTrue(
        tunnels.getLong("bytesToClient") - statsBefore.getLong("bytesToClient") > 100,
        tunnels.encode());
    PromText prom =
        PromText.parse(
            proxy.admin().local(HttpMethod.GET, "/metrics", null).await().body().toString());
    JsonObject after = proxy.node().stats().snapshot().getJsonObject("tunnels");
    assertEquals(after.getLong("opened"), (long) prom.value("proxy_tunnels_total"));
    assertEquals(
        after.getLong("bytesFromClient"),
        (long) prom.value("proxy_tunnel_bytes_total", "direction", "from_client"));
    assertEquals(
        after.getLong("bytesToClient"),
        (long) prom.value("proxy_tunnel_bytes_total", "direction", "to_client"));
    assertEquals(after.getLong("active"), (long) prom.value("proxy_tunnels_active"));
  }

  @Test
  void closedTunnelsGiveTheirConnectionSlotsBack() throws Exception {
    for (int i = 0; i < 5; i++) {
      HttpClientAgent http = clientThroughProxy();
      http.request(
              new RequestOptions()
                  .setMethod(HttpMethod.GET)
                  .setAbsoluteURI("https://localhost:" + upstream.port() + "/echo?slot=" + i))
          .compose(req -> req.send())
          .compose(resp -> resp.body())
          .await();
      http.close().await();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int active;
    do {
      Thread.sleep(50);
      active = proxy.node().stats().snapshot().getJsonObject("connections").getInteger("active");
    } while (active > 1 && System.nanoTime() < deadline);
    // At most the harness client's own keep-alive connection remains.
    assertTrue(active <= 1, "connections still counted open: " + active);
  }

  @Test
  void connectToAPortNotInConnectPortsIs403() throws Exception {
    String raw = connect("localhost:22");

    assertEquals(403, RawHttp.status(raw), raw);
    assertTrue(raw.contains("X-Proxy-Error: DESTINATION_DENIED"), raw);
    assertTrue(raw.contains("connectPorts"), raw);
  }

  @Test
  void connectWithoutAValidPortIs400() throws Exception {
    for (String authority : new String[] {"localhost", "localhost:", "localhost:99999", "a:b"}) {
      String raw = connect(authority);

      assertEquals(400, RawHttp.status(raw), authority + ": " + raw);
    }
  }

  @Test
  void connectToADeniedAddressIs403AndNothingIsReached() {
    int before = upstream.total();
    try (ProxyHarness closed =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("allowDestinations", new JsonArray())
                .put("connectPorts", new JsonArray().add(upstream.port())))) {
      String raw =
          RawHttp.exchange(
              closed.port(),
              "CONNECT 127.0.0.1:" + upstream.port() + " HTTP/1.1\r\nHost: x\r\n\r\n",
              500);

      assertEquals(403, RawHttp.status(raw), raw);
      assertTrue(raw.contains("'loopback'"), raw);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertEquals(before, upstream.total());
  }

  @Test
  void idleTunnelIsClosedAfterTunnelIdleTimeout() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(10_000);
      String authority = "localhost:" + upstream.port();
      s.getOutputStream()
          .write(
              ("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      byte[] head = new byte[12];
      int n = in.readNBytes(head, 0, 12);
      assertEquals("HTTP/1.1 200", new String(head, 0, n, StandardCharsets.ISO_8859_1));
      long start = System.nanoTime();

      while (in.read() != -1) {
        // drain the rest of the 200 head; then the tunnel stays silent until the idle close
      }

      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms >= 500 && ms < 5_000, "closed after " + ms + " ms");
    }
  }
}
