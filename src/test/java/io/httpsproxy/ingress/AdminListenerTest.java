package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.AdminListener;
import io.httpsproxy.config.ConfigException;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin listener (issue #13 item 5, on by default since issue #15): the node's own endpoints
 * answer on it when the proxy port is full, it serves nothing else, by default the proxy port
 * serves proxying only, and adminOnProxyPort brings the endpoints back there for old deployments.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminListenerTest {
  private static HttpsUpstream upstream;

  @BeforeAll
  static void start() {
    upstream = HttpsUpstream.http();
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  /** The fixture's config gives every node a free admin port and leaves adminOnProxyPort alone. */
  private static ProxyHarness proxy(JsonObject extra) {
    return ProxyHarness.start(ProxyFixture.baseConfig(null, null).mergeIn(extra));
  }

  private static String get(int port, String path) throws IOException {
    return RawHttp.exchange(
        port, "GET " + path + " HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n", 3_000);
  }

  @Test
  void withTheProxyPortFullHealthReadyMetricsAndStatsStillAnswerOnTheAdminPort() throws Exception {
    try (ProxyHarness proxy = proxy(new JsonObject().put("maxConnections", 2))) {
      int admin = proxy.node().adminPort();
      assertTrue(admin > 0 && admin != proxy.port(), "admin port " + admin);
      String health = "GET /health HTTP/1.1\r\nHost: node\r\n\r\n";
      try (Socket a = new Socket("127.0.0.1", proxy.port());
          Socket b = new Socket("127.0.0.1", proxy.port())) {
        // Answered (404: the admin paths are elsewhere), so each holds a connection slot.
        assertEquals(404, RawHttp.status(RawHttp.exchange(a, health)));
        assertEquals(404, RawHttp.status(RawHttp.exchange(b, health)));

        String third = get(proxy.port(), "/health");
        assertEquals(503, RawHttp.status(third), third);
        assertTrue(third.contains("CONNECTION_LIMIT"), third);

        // Several admin connections at once, none counted against maxConnections.
        List<Socket> held = new ArrayList<>();
        try {
          for (int i = 0; i < 5; i++) {
            Socket s = new Socket("127.0.0.1", admin);
            held.add(s);
            assertEquals(200, RawHttp.status(RawHttp.exchange(s, health)));
          }
          for (String path : List.of("/health", "/ready", "/metrics", "/stats", "/dashboard")) {
            String answer = get(admin, path);
            assertEquals(200, RawHttp.status(answer), path + ": " + answer);
          }
          assertTrue(get(admin, "/metrics").contains("proxy_connections_active"));
          JsonObject stats = new JsonObject(body(get(admin, "/stats")));
          assertEquals(2, stats.getJsonObject("connections").getInteger("active"), stats.encode());
        } finally {
          for (Socket s : held) {
            s.close();
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET http://localhost:%d/echo/a HTTP/1.1\r\nHost: localhost\r\n",
        "CONNECT localhost:%d HTTP/1.1\r\nHost: localhost:%1$d\r\n",
        "POST /api/v1/fetch HTTP/1.1\r\nHost: node\r\nContent-Length: 2\r\n",
        "GET /no/such/route HTTP/1.1\r\nHost: node\r\n"
      })
  void theAdminPortProxiesNothing(String head) throws Exception {
    try (ProxyHarness proxy = proxy(new JsonObject())) {
      int before = upstream.total();
      String req = head.formatted(upstream.port()) + "Connection: close\r\n\r\n";
      if (req.contains("Content-Length: 2")) {
        req += "{}";
      }
      String answer = RawHttp.exchange(proxy.node().adminPort(), req, 3_000);
      assertEquals(404, RawHttp.status(answer), answer);
      assertTrue(answer.contains("NOT_FOUND"), answer);
      assertEquals(before, upstream.total(), "nothing reached the upstream");
    }
  }

  @Test
  void byDefaultTheProxyPortRefusesTheAdminPathsAndTheAdminPortServesThem() throws Exception {
    try (ProxyHarness proxy = proxy(new JsonObject())) {
      assertEquals(false, proxy.node().config().admin().onProxyPort(), "the default");
      for (String path :
          List.of(
              "/health", "/ready", "/metrics", "/stats", "/stats?scope=cluster", "/dashboard")) {
        String answer = get(proxy.port(), path);
        assertEquals(404, RawHttp.status(answer), path + ": " + answer);
        assertTrue(answer.contains("NOT_FOUND"), answer);
        assertTrue(answer.contains("adminPort"), "the message names the setting: " + answer);
        assertEquals(200, RawHttp.status(get(proxy.node().adminPort(), path)), path);
      }
      String reload =
          "POST /admin/reload HTTP/1.1\r\nHost: node\r\nContent-Length: 0\r\n"
              + "Connection: close\r\n\r\n";
      String onProxyPort = RawHttp.exchange(proxy.port(), reload, 3_000);
      assertEquals(404, RawHttp.status(onProxyPort), onProxyPort);
      assertTrue(onProxyPort.contains("adminPort"), onProxyPort);
      assertEquals(200, RawHttp.status(RawHttp.exchange(proxy.node().adminPort(), reload, 5_000)));
      String forwarded =
          RawHttp.exchange(
              proxy.port(),
              "GET http://localhost:"
                  + upstream.port()
                  + "/echo/admin-off HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
              5_000);
      assertEquals(200, RawHttp.status(forwarded), forwarded);
    }
  }

  @Test
  void adminOnProxyPortServesThemOnBothPortsForExistingDeployments() throws Exception {
    try (ProxyHarness proxy = proxy(new JsonObject().put("adminOnProxyPort", true))) {
      for (String path : List.of("/health", "/ready", "/metrics", "/stats", "/dashboard")) {
        assertEquals(200, RawHttp.status(get(proxy.port(), path)), path);
        assertEquals(200, RawHttp.status(get(proxy.node().adminPort(), path)), path);
      }
    }
  }

  @Test
  void connectionsBeyondTheAdminCapAreClosedAndTheRestStillServed() throws Exception {
    try (ProxyHarness proxy = proxy(new JsonObject())) {
      int admin = proxy.node().adminPort();
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < AdminVerticle.MAX_CONNECTIONS; i++) {
          Socket s = new Socket("127.0.0.1", admin);
          held.add(s);
          assertEquals(
              200, RawHttp.status(RawHttp.exchange(s, "GET /health HTTP/1.1\r\nHost: n\r\n\r\n")));
        }
        try (Socket over = new Socket("127.0.0.1", admin)) {
          over.setSoTimeout(3_000);
          int first;
          try {
            over.getOutputStream().write("GET /health HTTP/1.1\r\nHost: n\r\n\r\n".getBytes());
            first = over.getInputStream().read();
          } catch (SocketTimeoutException | java.net.SocketException e) {
            first = -2; // reset counts as closed too; a timeout would not
            assertTrue(e instanceof java.net.SocketException, "not closed: " + e);
          }
          assertTrue(first < 0, "a connection over the cap was served");
        }
        assertEquals(
            200,
            RawHttp.status(
                RawHttp.exchange(held.get(0), "GET /ready HTTP/1.1\r\nHost: n\r\n\r\n")));
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      // Closed ones free their slots.
      Thread.sleep(200);
      assertEquals(200, RawHttp.status(get(admin, "/health")));
    }
  }

  @Test
  void badAdminSettingsStopTheStart() {
    JsonObject base = ProxyFixture.baseConfig(null, null);
    ConfigException nowhere =
        assertThrows(
            ConfigException.class, () -> ProxyConfig.fromJson(base.copy().put("adminPort", -1)));
    assertTrue(nowhere.getMessage().contains("adminPort"), nowhere.getMessage());
    for (int port : new int[] {-2, 65_536, 1_000_000}) {
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () -> ProxyConfig.fromJson(base.copy().put("adminPort", port)));
      assertTrue(e.getMessage().contains("adminPort"), e.getMessage());
    }
    assertEquals(
        new AdminListener(8889, "127.0.0.1", false),
        ProxyConfig.defaults().admin(),
        "on by default, on loopback, and alone");
    assertEquals(
        -1,
        ProxyConfig.fromJson(base.copy().put("adminPort", -1).put("adminOnProxyPort", true))
            .admin()
            .port(),
        "still possible to turn off, with the endpoints on the proxy port");
  }

  private static String body(String raw) {
    return raw.substring(raw.indexOf("\r\n\r\n") + 4);
  }
}
