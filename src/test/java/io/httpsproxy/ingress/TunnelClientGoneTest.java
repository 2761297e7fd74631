package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A client that sends CONNECT and leaves before the proxy has reached the upstream. The upstream
 * connect is made slow on loopback by a listener whose accept queue is full (the kernel drops the
 * SYN; the proxy's TCP retries it a second later, after the test has made room). When it then
 * succeeds, the tunnel slot and the upstream connection must be given back: with maxTunnels 1, the
 * next CONNECT gets through.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TunnelClientGoneTest {

  @Test
  void aClientThatLeavesDuringTheUpstreamConnectLeaksNoTunnelSlot() throws Exception {
    Logger accessLogger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    accessLogger.addAppender(logged);
    try (ServerSocket slow = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = slow.getLocalPort();
      List<Socket> fillers = fillAcceptQueue(port);
      try (ProxyHarness proxy =
          ProxyHarness.start(
              ProxyFixture.baseConfig(null, null)
                  .put("connectPorts", new JsonArray().add(port))
                  .put("maxTunnels", 1)
                  .put("connectTimeout", 10.0))) {
        String connect = "CONNECT 127.0.0.1:" + port + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        try (Socket client = new Socket()) {
          client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 2_000);
          client.getOutputStream().write(connect.getBytes(StandardCharsets.US_ASCII));
          Thread.sleep(300); // the proxy's SYN to the full listener was dropped
        } // the client leaves
        Thread.sleep(200);
        List<Socket> upstreamSide = new CopyOnWriteArrayList<>();
        Thread acceptor = acceptAll(slow, upstreamSide); // room again: the SYN retry gets in
        long until = System.currentTimeMillis() + 8_000;
        while (upstreamSide.size() < fillers.size() + 1 && System.currentTimeMillis() < until) {
          Thread.sleep(50);
        }
        assertEquals(fillers.size() + 1, upstreamSide.size(), "the proxy reached the upstream");
        Socket fromProxy = upstreamSide.get(upstreamSide.size() - 1);
        fromProxy.setSoTimeout(3_000);

        assertEquals(-1, fromProxy.getInputStream().read(), "the upstream side was closed");
        awaitNoActiveTunnel(proxy);
        // One access-log line for the departed client: the tunnel never carried a byte.
        List<JsonObject> lines =
            logged.list.stream().map(e -> new JsonObject(e.getFormattedMessage())).toList();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("CONNECT", lines.get(0).getString("method"));
        assertEquals(port, lines.get(0).getInteger("port"));
        assertEquals(0L, lines.get(0).getLong("bytesIn"));
        assertEquals(0L, lines.get(0).getLong("bytesOut"));
        String next = RawHttp.exchange(proxy.port(), connect, 500);
        assertTrue(next.startsWith("HTTP/1.1 200"), "the slot came back: " + next);
        acceptor.interrupt();
      } finally {
        for (Socket s : fillers) {
          s.close();
        }
      }
    } finally {
      accessLogger.detachAppender(logged);
    }
  }

  /** Connections nobody accepts, until the kernel's accept queue for {@code port} is full. */
  private static List<Socket> fillAcceptQueue(int port) throws IOException {
    List<Socket> fillers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress("127.0.0.1", port), 300);
        fillers.add(s);
      } catch (SocketTimeoutException full) {
        s.close();
        return fillers;
      }
    }
    throw new IllegalStateException("the accept queue never filled");
  }

  private static Thread acceptAll(ServerSocket server, List<Socket> into) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (true) {
                  into.add(server.accept());
                }
              } catch (IOException e) {
                // closed
              }
            },
            "slow-upstream-accept");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void awaitNoActiveTunnel(ProxyHarness proxy) throws InterruptedException {
    long until = System.currentTimeMillis() + 3_000;
    long active = -1;
    while (System.currentTimeMillis() < until) {
      active =
          proxy
              .admin()
              .local(HttpMethod.GET, "/stats", null)
              .await()
              .json()
              .getJsonObject("tunnels")
              .getLong("active");
      if (active == 0) {
        return;
      }
      Thread.sleep(50);
    }
    assertEquals(0, active, "tunnels.active");
  }
}
