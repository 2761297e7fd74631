package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.RawHttp;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rolling restart with SIGTERM under keep-alive load on every node, the restarting one included
 * (issue #13 item 3): clients keep their connections open and retry only a refused connection, as
 * the clients did. Not one request may fail: a draining node answers every request it has
 * read with {@code Connection: close}, closes an idle connection only after a grace without bytes,
 * and finishes what is running.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RollingRestartIT {
  private static final int CLIENTS = 12;

  private static HttpsUpstream upstream;
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpsUpstream.http();
    cluster = new LocalCluster(3, "--workers", "64", "--drain-timeout", "20");
    cluster.startAll();
    cluster.awaitMembers(0, 3, Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  /** One keep-alive client: prefers node {@code home}, moves on only when a connect is refused. */
  private static final class Client implements Runnable {
    final int home;
    final AtomicBoolean running;
    final Map<String, Integer> failures;
    final AtomicInteger sent;
    final AtomicInteger closesSeen;
    final AtomicInteger refusedConnects;

    Client(
        int home,
        AtomicBoolean running,
        Map<String, Integer> failures,
        AtomicInteger sent,
        AtomicInteger closesSeen,
        AtomicInteger refusedConnects) {
      this.home = home;
      this.running = running;
      this.failures = failures;
      this.sent = sent;
      this.closesSeen = closesSeen;
      this.refusedConnects = refusedConnects;
    }

    /** Requests sent on the current connection, and the node it goes to. */
    private int onConnection;

    private int node;

    @Override
    public void run() {
      Socket s = null;
      while (running.get()) {
        try {
          if (s == null) {
            s = connect();
            onConnection = 0;
          }
          onConnection++;
          long t0 = System.nanoTime();
          String answer =
              RawHttp.exchange(
                  s,
                  "GET http://localhost:"
                      + upstream.port()
                      + "/delay/20?roll="
                      + sent.incrementAndGet()
                      + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
          if (RawHttp.status(answer) != 200) {
            fail(
                RawHttp.status(answer)
                    + " "
                    + answer
                        .lines()
                        .filter(l -> l.startsWith("X-Proxy-Error"))
                        .findFirst()
                        .orElse("")
                    + " after "
                    + (System.nanoTime() - t0) / 100_000_000 * 100
                    + " ms");
          }
          if (answer.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n")) {
            closesSeen.incrementAndGet();
            s.close();
            s = null;
          }
        } catch (IOException e) {
          // Sent on an open connection and got no answer: what a rolling restart must not do.
          fail(
              e.getClass().getSimpleName()
                  + ": "
                  + e.getMessage()
                  + (onConnection == 1 ? " (on a new connection" : " (on a reused connection")
                  + " to node "
                  + node
                  + ")");
          close(s);
          s = null;
        }
      }
      close(s);
    }

    private Socket connect() throws IOException {
      for (int attempt = 0; ; attempt++) {
        node = (home + attempt) % 3;
        Socket s = new Socket();
        try {
          s.connect(new InetSocketAddress("127.0.0.1", cluster.port(node)), 2_000);
          s.setSoTimeout(30_000);
          return s;
        } catch (ConnectException refused) {
          refusedConnects.incrementAndGet(); // the one failure a client retries
          s.close();
          if (attempt % 3 == 2) {
            try {
              Thread.sleep(50);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw refused;
            }
          }
        }
      }
    }

    private void fail(String what) {
      synchronized (failures) {
        failures.merge(what.length() > 120 ? what.substring(0, 120) : what, 1, Integer::sum);
      }
    }

    private static void close(Socket s) {
      try {
        if (s != null) {
          s.close();
        }
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  @Test
  void sigtermToEachNodeInTurnUnderKeepAliveLoadFailsNoRequest() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    Map<String, Integer> failures = new TreeMap<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger closes = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Thread t =
          new Thread(new Client(i % 3, running, failures, sent, closes, refused), "client-" + i);
      t.setDaemon(true);
      t.start();
      clients.add(t);
    }
    Thread.sleep(2_000); // every client holds a kept-alive connection now
    List<Long> drainMs = new ArrayList<>();
    for (int node = 0; node < 3; node++) {
      int before = sent.get();
      long t0 = System.nanoTime();
      cluster.node(node).sigterm();
      assertEquals(0, cluster.node(node).finish(Duration.ofSeconds(40)).exitCode());
      drainMs.add((System.nanoTime() - t0) / 1_000_000);
      cluster.start(node);
      cluster.awaitMembers((node + 1) % 3, 3, Duration.ofSeconds(30));
      Thread.sleep(1_500); // clients find the restarted node again
      assertTrue(sent.get() > before + 50, "load kept flowing while node " + node + " restarted");
    }
    running.set(false);
    for (Thread t : clients) {
      t.join(35_000);
    }
    System.out.println(
        "rolling restart: "
            + sent.get()
            + " requests, "
            + closes.get()
            + " answered with Connection: close, "
            + refused.get()
            + " refused connects retried, drains (ms) "
            + drainMs
            + ", failures "
            + failures);
    assertEquals(Map.of(), failures);
    assertTrue(closes.get() > 0, "a draining node said Connection: close");
  }
}
