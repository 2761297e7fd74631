package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a drain does to the connections it finds open (issue #13 item 3): a request on a kept-alive
 * connection, in flight or sent just after the drain began, is served and answered with {@code
 * Connection: close}; an idle connection is closed only after a grace without bytes; a tunnel keeps
 * flowing until drainTimeout and then closes cleanly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DrainConnectionsTest {
  private static HttpsUpstream upstream;

  @BeforeAll
  static void start() {
    upstream = HttpsUpstream.http();
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  private static String get(String path) {
    return "GET http://localhost:"
        + upstream.port()
        + path
        + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }

  private static Socket open(ProxyHarness proxy) throws IOException {
    Socket s = new Socket("127.0.0.1", proxy.port());
    s.setSoTimeout(10_000);
    return s;
  }

  private static boolean saysClose(String answer) {
    return answer.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n");
  }

  /** Milliseconds until the server closes {@code s} (a clean FIN: read returns -1). */
  private static long msUntilClosed(Socket s) throws IOException {
    long t0 = System.nanoTime();
    InputStream in = s.getInputStream();
    assertEquals(-1, in.read(), "a clean close, no bytes");
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Test
  void aRequestSentJustAfterTheDrainBeganIsServedAndTheConnectionThenCloses() throws Exception {
    ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null));
    try (Socket s = open(proxy)) {
      assertEquals(200, RawHttp.status(RawHttp.exchange(s, get("/echo/before"))));
      Future<Void> stopped = proxy.node().shutdown(Duration.ofSeconds(10));
      Thread.sleep(500); // the drain has begun; the connection is idle and still open
      String answer = RawHttp.exchange(s, get("/echo/after"));

      assertEquals(200, RawHttp.status(answer), answer);
      assertTrue(saysClose(answer), answer);
      assertTrue(msUntilClosed(s) < 1_000, "closed right after the answer");
      stopped.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } finally {
      proxy.close();
    }
  }

  @Test
  void aRequestInFlightFinishesAndItsAnswerSaysClose() throws Exception {
    ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null));
    try (Socket s = open(proxy)) {
      s.getOutputStream().write(get("/delay/1500").getBytes(StandardCharsets.ISO_8859_1));
      Thread.sleep(300);
      Future<Void> stopped = proxy.node().shutdown(Duration.ofSeconds(10));
      String answer = RawHttp.exchange(s, "");

      assertEquals(200, RawHttp.status(answer), answer);
      assertTrue(saysClose(answer), answer);
      assertTrue(msUntilClosed(s) < 1_000);
      stopped.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } finally {
      proxy.close();
    }
  }

  @Test
  void anIdleConnectionIsClosedOnlyAfterTheGraceWithoutBytes() throws Exception {
    ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null));
    try (Socket idle = open(proxy);
        Socket late = open(proxy)) {
      assertEquals(200, RawHttp.status(RawHttp.exchange(idle, get("/echo/idle"))));
      assertEquals(200, RawHttp.status(RawHttp.exchange(late, get("/echo/late1"))));
      long t0 = System.nanoTime();
      proxy.node().shutdown(Duration.ofSeconds(10));
      Thread.sleep(1_000);
      // Idle for a second of the drain, then a request: still answered, with close.
      String answer = RawHttp.exchange(late, get("/echo/late2"));
      assertEquals(200, RawHttp.status(answer), answer);
      assertTrue(saysClose(answer), answer);

      msUntilClosed(idle);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      long grace = ConnectionGuard.DRAIN_IDLE_GRACE_MS;
      assertTrue(ms >= grace - 200 && ms < grace + 2_000, "closed after " + ms + " ms");
    } finally {
      proxy.close();
    }
  }

  @Test
  void aTunnelKeepsFlowingUntilDrainTimeoutThenClosesCleanly() throws Exception {
    try (ServerSocket echo = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
      Thread t =
          new Thread(
              () -> {
                try (Socket c = echo.accept()) {
                  c.getInputStream().transferTo(c.getOutputStream());
                } catch (IOException ignored) {
                  // the proxy closed the tunnel
                }
              });
      t.setDaemon(true);
      t.start();
      ProxyHarness proxy =
          ProxyHarness.start(
              ProxyFixture.baseConfig(null, null)
                  .put("connectPorts", new JsonArray().add(echo.getLocalPort())));
      try (Socket s = open(proxy)) {
        String authority = "127.0.0.1:" + echo.getLocalPort();
        s.getOutputStream()
            .write(
                ("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        byte[] head = new byte[12];
        s.getInputStream().readNBytes(head, 0, 12);
        assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.ISO_8859_1));
        readRestOfHead(s);
        long t0 = System.nanoTime();
        proxy.node().shutdown(Duration.ofSeconds(3));
        Thread.sleep(1_000);
        s.getOutputStream().write("ping".getBytes(StandardCharsets.ISO_8859_1));
        byte[] pong = s.getInputStream().readNBytes(4);
        assertEquals("ping", new String(pong, StandardCharsets.ISO_8859_1), "still flowing");
        msUntilClosed(s);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 2_500, "closed at drainTimeout, not before: " + ms + " ms");
      } finally {
        proxy.close();
      }
    }
  }

  /** The 200's head ends with an empty line: read byte by byte until it is seen. */
  private static void readRestOfHead(Socket s) throws IOException {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = s.getInputStream().read();
      if (c < 0) {
        throw new IOException("closed");
      }
      b.append((char) c);
    }
  }
}
