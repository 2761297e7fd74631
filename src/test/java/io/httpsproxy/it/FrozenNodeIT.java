package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A frozen node (issue #13 item 1): node 3 of three real JVMs is stopped with SIGSTOP for 20 s,
 * longer than the 6 s heartbeat timeout, while clients send it requests and give up (close their
 * connections). After SIGCONT it must run none of those requests (the upstream records every
 * request it gets) and be a member of the cluster again within 15 s, serving new requests. What
 * other nodes had sent it before they dropped it was re-sent elsewhere, so it must not run it
 * either: each of those ran exactly once.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FrozenNodeIT {
  private static final int FROZEN = 2;
  private static final int ABANDONED = 40;
  private static final int DURING = 12;
  private static final long FREEZE_MS = 20_000;
  private static final long REJOIN_BOUND_MS = 15_000;

  private static HttpsUpstream upstream;
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpsUpstream.http();
    cluster = new LocalCluster(3, "--workers", "32");
    cluster.startAll();
    for (int i = 0; i < 3; i++) {
      cluster.awaitMembers(i, 3, Duration.ofSeconds(60));
    }
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

  @Test
  void aFrozenNodeRunsNoRequestItsClientsAbandonedAndIsAMemberAgainWithinFifteenSeconds()
      throws Exception {
    assertEquals(3, servedBy(FROZEN, 30, "before").size());
    JarProcess frozen = cluster.node(FROZEN);
    long stoppedAt = System.nanoTime();
    frozen.signal("STOP");
    long evictMs;
    // Sent through another node as the freeze starts: those that pick the frozen node wait on the
    // event bus until it is dropped, then go elsewhere; the frozen node reads them when it wakes.
    List<CompletableFuture<HttpResponse<String>>> during = new ArrayList<>();
    for (int i = 0; i < DURING; i++) {
      during.add(cluster.fetch(0, "GET", upstream.url("/echo?during=" + i)));
    }
    try {
      sendAndAbandon();
      cluster.awaitMembers(0, 2, Duration.ofSeconds(30));
      evictMs = (System.nanoTime() - stoppedAt) / 1_000_000;
      assertEquals(2, servedBy(0, 20, "frozen").size(), "the others serve on");
      long left = FREEZE_MS - (System.nanoTime() - stoppedAt) / 1_000_000;
      if (left > 0) {
        Thread.sleep(left);
      }
    } finally {
      frozen.signal("CONT");
    }
    long contAt = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      cluster.awaitMembers(i, 3, Duration.ofMillis(REJOIN_BOUND_MS + 15_000));
    }
    long rejoinMs = (System.nanoTime() - contAt) / 1_000_000;
    Set<String> fromOthers = awaitServedByAll(0, Duration.ofSeconds(20));
    Set<String> fromFrozen = awaitServedByAll(FROZEN, Duration.ofSeconds(20));
    long servedMs = (System.nanoTime() - contAt) / 1_000_000;
    // Anything the node read after waking has been handled by now (the fence holds 2 s).
    Thread.sleep(1_000);
    long ran = upstream.received().stream().filter(r -> r.uri().contains("abandoned=")).count();
    for (int i = 0; i < DURING; i++) {
      HttpResponse<String> r = during.get(i).get(60, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.body());
      String uri = "/echo?during=" + i;
      long times = upstream.received().stream().filter(x -> x.uri().equals(uri)).count();
      assertEquals(1, times, uri + " ran " + times + " times");
    }
    JsonObject stats = cluster.clusterStats(FROZEN).getJsonObject("nodes");
    JsonObject self = null;
    for (String id : stats.fieldNames()) {
      JsonObject s = stats.getJsonObject(id);
      if (s.getJsonObject("fence") != null && s.getJsonObject("fence").getLong("frozen") > 0) {
        self = s;
      }
    }
    String line =
        "evicted "
            + evictMs
            + " ms after SIGSTOP; 3 members on every node "
            + rejoinMs
            + " ms after SIGCONT; served by all three "
            + servedMs
            + " ms after; abandoned requests run: "
            + ran
            + " of "
            + ABANDONED
            + "; frozen node: "
            + (self == null ? "no fence section with frozen > 0" : self.getJsonObject("fence"))
            + ", abandonedBeforeStart "
            + (self == null ? "?" : self.getLong("abandonedBeforeStart"));
    System.out.println("frozen node: " + line);
    // How it came back, in its own words (membership, merge and fence lines).
    frozen
        .log()
        .lines()
        .filter(l -> l.contains("https-proxy.cluster") || l.contains("merg"))
        .forEach(l -> System.out.println("frozen node log: " + l));
    assertEquals(0, ran, line);
    assertTrue(self != null, line);
    assertTrue(rejoinMs < REJOIN_BOUND_MS, line);
    assertEquals(3, fromOthers.size(), "via node 1 after the rejoin: " + fromOthers);
    assertEquals(3, fromFrozen.size(), "via the frozen node after the rejoin: " + fromFrozen);
  }

  /**
   * Clients of the frozen node: the kernel accepts their connections and buffers their requests;
   * they wait 2 s for an answer, then give up and close. Half are POSTs with a body.
   */
  private static void sendAndAbandon() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < ABANDONED; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", cluster.port(FROZEN)), 5_000);
        sockets.add(s);
        String url = upstream.url("/echo?abandoned=" + i);
        String req =
            i % 2 == 0
                ? "GET " + url + " HTTP/1.1\r\nHost: localhost:" + upstream.port() + "\r\n\r\n"
                : "POST "
                    + url
                    + " HTTP/1.1\r\nHost: localhost:"
                    + upstream.port()
                    + "\r\nContent-Length: 5\r\n\r\nhello";
        OutputStream out = s.getOutputStream();
        out.write(req.getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      Thread.sleep(2_000);
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  private static Set<String> servedBy(int via, int n, String tag) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(cluster.fetch(via, "GET", upstream.url("/echo?" + tag + "=" + via + "-" + i)));
    }
    Set<String> by = new TreeSet<>();
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> r = c.get(60, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), "via node " + via + ": " + r.body());
      by.add(new JsonObject(r.body()).getString("node"));
    }
    return by;
  }

  private static Set<String> awaitServedByAll(int via, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<String> by = Set.of();
    while (System.nanoTime() < deadline) {
      by = servedBy(via, 15, "after");
      if (by.size() == 3) {
        return by;
      }
      Thread.sleep(200);
    }
    return by;
  }
}
