package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.Bodies;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.StreamRoutes;
import io.httpsproxy.testing.StreamingHttp;
import io.httpsproxy.testing.StreamingHttp.Body;
import io.httpsproxy.testing.StreamingHttp.Response;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bodies stream across the nodes of a two-node cluster of real JVMs: absolute-form requests enter
 * node 0, which spreads them round-robin over both, so every case is sent twice (once for each
 * serving node) and must arrive with its SHA-256 unchanged, at any size, Content-Length or chunked.
 * And a download whose serving node is killed mid-body reaches its client cut, on a closed
 * connection, never ended as if complete, while the one node 0 serves completes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamingClusterIT {
  private static final long MIB = 1024 * 1024;
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  /** How many requests each node served, of those whose upstream connection was still open. */
  private static final Map<String, Integer> SERVED_BY = new TreeMap<>();

  private static HttpsUpstream upstream;
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    TestCa ca = TestCa.create("streaming-cluster-it");
    upstream = HttpsUpstream.https(ca.issue("localhost"));
    cluster = new LocalCluster(2, "--ca-file", ca.caPem().toString(), "--workers", "16");
    cluster.startAll();
    cluster.awaitMembers(0, 2, Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    System.out.println("serving nodes of the streamed requests: " + SERVED_BY);
    if (cluster != null) {
      cluster.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (long size : new long[] {0, MIB + 1, 100 * MIB}) {
      for (boolean chunked : new boolean[] {false, true}) {
        all.add(Arguments.of(size, chunked));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} bytes chunked={1}")
  @MethodSource("cases")
  @Order(1)
  void uploadsEnteringNodeZeroReachTheUpstreamWhole(long size, boolean chunked) throws Exception {
    for (int i = 0; i < 2; i++) {
      long seed = 300 + UNIQUE.incrementAndGet();
      String path = "/sink?cluster=" + UNIQUE.incrementAndGet();
      Response r;
      try (StreamingHttp c = StreamingHttp.open(cluster.port(0))) {
        Body body = Body.generated(size, seed, chunked);
        r = c.exchange("POST", upstream.url(path), authority(), body, null, true);
        noteServer(path);
      }

      assertEquals(200, r.status(), () -> r.headers() + " " + r.text());
      JsonObject sink = new JsonObject(r.text());
      assertEquals(size, sink.getLong("length"));
      assertEquals(Bodies.sha256(seed, size), sink.getString("sha256"));
    }
  }

  @ParameterizedTest(name = "{0} bytes chunked={1}")
  @MethodSource("cases")
  @Order(2)
  void downloadsEnteringNodeZeroReachTheClientWhole(long size, boolean chunked) throws Exception {
    for (int i = 0; i < 2; i++) {
      long seed = 400 + UNIQUE.incrementAndGet();
      String path = streamPath(size, seed, chunked, 0);
      Response r;
      try (StreamingHttp c = StreamingHttp.open(cluster.port(0))) {
        r = c.get(upstream.url(path), authority());
        noteServer(path);
      }

      assertEquals(200, r.status(), () -> r.headers().toString());
      assertTrue(r.complete(), () -> "cut after " + r.bodyBytes() + " bytes: " + r.error());
      assertEquals(size, r.bodyBytes());
      assertEquals(Bodies.sha256(seed, size), r.sha256());
    }
  }

  /**
   * Four slow downloads (8 MiB at ~1.6 MB/s) enter node 0, two chunked and two with Content-Length
   * so that each node serves one of each; node 1 is killed once all are under way and every client
   * holds part of its body. Which ones node 1 serves is read from the kernel: the process holding
   * each upstream connection.
   */
  @Test
  @Order(3)
  void aDownloadWhoseServingNodeIsKilledMidBodyIsCutNeverCompleted() throws Exception {
    long size = 8 * MIB;
    int n = 4;
    List<String> paths = new ArrayList<>();
    List<StreamingHttp> clients = new ArrayList<>();
    List<CompletableFuture<Response>> answers = new ArrayList<>();
    try {
      for (int k = 0; k < n; k++) {
        String path = streamPath(size, 500 + k, k < 2, 10);
        StreamingHttp c = StreamingHttp.open(cluster.port(0));
        paths.add(path);
        clients.add(c);
        answers.add(CompletableFuture.supplyAsync(() -> get(c, path)));
      }
      List<StreamRoutes.Progress> progress = awaitUnderWay(paths, 256 * 1024);
      long pid1 = cluster.node(1).pid();
      boolean[] onNode1 = new boolean[n];
      for (int k = 0; k < n; k++) {
        onNode1[k] = SocketOwner.holds(pid1, progress.get(k).remotePort(), upstream.port());
      }
      assertTrue(anyTrue(onNode1), "node 1 served none of " + paths);
      awaitReceived(clients, 64 * 1024);
      for (int k = 0; k < n; k++) {
        assertTrue(progress.get(k).bytes() < size, paths.get(k) + " ended before the kill");
      }

      cluster.node(1).sigkill();
      long killedAt = System.nanoTime();

      for (int k = 0; k < n; k++) {
        Response r = answers.get(k).get(60, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - killedAt) / 1_000_000;
        String what = paths.get(k) + (onNode1[k] ? " (node 1)" : " (node 0)");
        if (!onNode1[k]) {
          assertTrue(r.complete(), what + " cut after " + r.bodyBytes() + ": " + r.error());
          assertEquals(Bodies.sha256(500 + k, size), r.sha256(), what);
          continue;
        }
        System.out.println(what + ": " + r.bodyBytes() + " bytes, closed " + ms + " ms after kill");
        assertFalse(r.complete(), what + " ended as if complete: " + r.status() + r.headers());
        assertTrue(r.bodyBytes() < size, what);
        assertFalse(r.error() instanceof SocketTimeoutException, what + " was never closed");
        assertTrue(clients.get(k).closedWithin(Duration.ofSeconds(5)), what + " stayed open");
      }
    } finally {
      for (StreamingHttp c : clients) {
        c.close();
      }
    }
  }

  // ---- helpers ----

  private static Response get(StreamingHttp c, String path) {
    try {
      return c.get(upstream.url(path), authority());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<StreamRoutes.Progress> awaitUnderWay(List<String> paths, long bytes)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<StreamRoutes.Progress> all = new ArrayList<>();
    for (String path : paths) {
      StreamRoutes.Progress p;
      while (((p = upstream.streams().progress(path)) == null || p.bytes() < bytes)
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertNotNull(p, path + " never reached the upstream");
      assertTrue(p.bytes() >= bytes, path + " did not get under way");
      all.add(p);
    }
    return all;
  }

  /**
   * The premise of the kill: every client already holds part of its body, so the proxy cannot
   * answer it again from a retry; it can only cut it.
   */
  private static void awaitReceived(List<StreamingHttp> clients, long bytes)
      throws InterruptedException {
    // Well before the 5 s the slow bodies take: a proxy that buffers them shows nothing by then.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (StreamingHttp c : clients) {
      while (c.received() < bytes && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(
          c.received() >= bytes,
          "a client got " + c.received() + " bytes while its upstream was under way: not streamed");
    }
  }

  /** Records which node held the upstream connection of {@code path}, if it is still open. */
  private static void noteServer(String path) throws IOException {
    StreamRoutes.Progress p = upstream.streams().progress(path);
    if (p == null) {
      return;
    }
    for (int i = 0; i < 2; i++) {
      if (SocketOwner.holds(cluster.node(i).pid(), p.remotePort(), upstream.port())) {
        SERVED_BY.merge("node " + i, 1, Integer::sum);
      }
    }
  }

  private static String streamPath(long size, long seed, boolean chunked, long pauseMs) {
    return "/stream/"
        + size
        + "?seed="
        + seed
        + (chunked ? "&chunked=1" : "")
        + (pauseMs > 0 ? "&pauseMs=" + pauseMs : "")
        + "&cluster="
        + UNIQUE.incrementAndGet();
  }

  private static boolean anyTrue(boolean[] values) {
    for (boolean v : values) {
      if (v) {
        return true;
      }
    }
    return false;
  }

  private static String authority() {
    return "localhost:" + upstream.port();
  }
}
