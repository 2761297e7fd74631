package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9110 / 9112 strictness at the ingress (issue #12, items 5, 7 and 8), with raw sockets: a Host
 * that is a list, a request target of another scheme, and a CONNECT that carries a body are each
 * refused 400 with the connection closed, and nothing reaches an upstream or is dialled (a canary
 * listener counts connections).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolStrictnessTest {
  private static HttpsUpstream upstream;
  private static ServerSocket canary;
  private static final AtomicInteger dialled = new AtomicInteger();
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() throws IOException {
    upstream = HttpsUpstream.http();
    canary = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              while (!canary.isClosed()) {
                try (Socket s = canary.accept()) {
                  dialled.incrementAndGet();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "canary");
    t.setDaemon(true);
    t.start();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("connectPorts", new JsonArray().add(canary.getLocalPort())));
  }

  @AfterAll
  static void stop() throws IOException {
    proxy.close();
    upstream.close();
    canary.close();
  }

  private static String raw(String request) throws IOException {
    long t0 = System.nanoTime();
    String answer = RawHttp.exchange(proxy.port(), request, 5_000);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 4_000, "the proxy closed the connection (" + ms + " ms), not the read timeout");
    return answer;
  }

  private static void assertRefused(String answer, String messagePart) {
    assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
    assertTrue(answer.contains("\"error\":\"BAD_REQUEST\""), answer);
    assertTrue(answer.contains(messagePart), answer);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a, b", "a,b", "localhost:1, localhost:2", " x , y", "example.com,"})
  void aHostThatIsAListIsRefused(String host) throws IOException {
    String path = "/echo/hostlist" + Math.abs(host.hashCode());
    String answer =
        raw(
            "GET http://localhost:"
                + upstream.port()
                + path
                + " HTTP/1.1\r\nHost: "
                + host
                + "\r\nConnection: close\r\n\r\n"); // 400 as for a duplicate Host: no forced close

    assertRefused(answer, "Host must be one host[:port], not a list");
    assertEquals(0, upstream.count(path), "nothing reached the upstream");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://example.com/file",
        "gopher://example.com:70/1",
        "file:///etc/passwd",
        "ws://example.com/socket",
        "HTTPX://example.com/",
        "svn+ssh://example.com/repo"
      })
  void aTargetOfAnotherSchemeIsRefusedNamingTheSupportedOnes(String target) throws IOException {
    String answer = raw("GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n");

    String scheme = target.substring(0, target.indexOf("://"));
    assertRefused(answer, "unsupported scheme '" + scheme + "'");
    assertTrue(answer.contains("supported: http, https"), answer);
  }

  @Test
  void anOriginFormPathWithAColonIsStillALocalRoute() throws IOException {
    String answer = raw("GET /a://b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertTrue(answer.startsWith("HTTP/1.1 404"), answer);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Content-Length: 5\r\n\r\nhello",
        "Content-Length: 0\r\n\r\n",
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
      })
  void aConnectWithABodyIsRefusedAndNothingIsDialled(String framing) throws Exception {
    int before = dialled.get();
    String authority = "127.0.0.1:" + canary.getLocalPort();
    String answer =
        raw("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n" + framing);

    assertRefused(answer, "a CONNECT request has no body");
    Thread.sleep(200);
    assertEquals(before, dialled.get(), "the proxy dialled the destination");
  }

  @Test
  void aConnectWithoutABodyStillOpensItsTunnel() throws Exception {
    int before = dialled.get();
    String authority = "127.0.0.1:" + canary.getLocalPort();
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              ("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      byte[] buf = new byte[12];
      int n = s.getInputStream().readNBytes(buf, 0, 12);
      assertEquals(
          "HTTP/1.1 200", new String(buf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (dialled.get() == before && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(before + 1, dialled.get(), "the canary saw the tunnel's connection");
  }

  @Test
  void http2SettingsAndUnderscoredHeadersNeverReachTheUpstream() throws IOException {
    String path = "/echo/hygiene";
    String answer =
        raw(
            "GET http://localhost:"
                + upstream.port()
                + path
                + " HTTP/1.1\r\nHost: localhost\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n"
                + "X_Forwarded_For: 6.6.6.6\r\nMy_Header: x\r\nX-Normal: ok\r\n"
                + "Connection: close\r\n\r\n");

    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    var got = upstream.last().headers();
    assertEquals(java.util.List.of("ok"), got.get("x-normal"));
    for (String name : new String[] {"http2-settings", "x_forwarded_for", "my_header"}) {
      assertTrue(!got.containsKey(name), name + " reached the upstream: " + got);
    }
  }
}
