package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawUpstream;
import io.httpsproxy.testing.RawUpstream.Reply;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * A client that leaves keeps no work running (issue #13 item 4). With workers=1 and an upstream
 * that answers only after 8 s: a client that resets (or closes) 100 ms after sending has its
 * upstream connection closed at once and the worker slot back, whether it left before the answer's
 * head, during its upload or during the download; a queued request whose client leaves is taken out
 * of the queue at once and never reaches the upstream. Each is one CLIENT_GONE access-log line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientGoneTest {
  /** The time the upstream may take to see its connection closed after the client left. */
  private static final long CLOSE_WITHIN_MS = 1_000;

  private static RawUpstream upstream;
  private static ProxyHarness proxy;
  private static ListAppender<ILoggingEvent> logged;

  @BeforeAll
  static void start() throws Exception {
    upstream =
        RawUpstream.start(
            r -> {
              String p = r.path();
              if (p.startsWith("/slow")) {
                return Reply.ok("late").after(8_000);
              }
              if (p.startsWith("/download")) {
                return Reply.of("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789")
                    .then(8_000, "0123456789");
              }
              if (p.startsWith("/hold")) {
                return Reply.ok("held").after(1_500);
              }
              return Reply.ok(p.substring(1));
            });
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("workers", 1)
                .put("accessLogPaths", true)
                .put("queueSize", 10)
                .put("requestTimeout", 20.0)
                .put("queueTimeout", 20.0));
    logged = new ListAppender<>();
    logged.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(logged);
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(logged);
    proxy.close();
    upstream.close();
  }

  @BeforeEach
  void idle() throws Exception {
    await(() -> proxy.node().stats().busyWorkers().get() == 0, 10_000, "no worker busy");
    logged.list.clear();
  }

  static Stream<Arguments> departures() {
    return Stream.of(
        Arguments.of("/slow", false, true),
        Arguments.of("/slow", false, false),
        Arguments.of("/slow", true, true),
        Arguments.of("/slow", true, false),
        Arguments.of("/download", false, true),
        Arguments.of("/download", false, false),
        Arguments.of("/download", true, true),
        Arguments.of("/download", true, false));
  }

  @ParameterizedTest(name = "[{index}] {0} api={1} reset={2}")
  @MethodSource("departures")
  void aClientThatLeavesHasItsUpstreamConnectionClosedAndFreesTheWorker(
      String route, boolean api, boolean reset) throws Exception {
    String path = route + "-" + System.nanoTime();
    long gone0 = proxy.node().stats().count(FailureCode.CLIENT_GONE);
    Socket client = send(request(path, api, null));
    RawUpstream.Request seen = awaitRequest(path);
    if (route.equals("/download") && !api) {
      // the head and the first bytes reached the client: it leaves mid-download
      byte[] some = new byte[10];
      client.getInputStream().read(some);
    }
    Thread.sleep(100);
    long left = leave(client, reset);
    long closedMs = awaitClosed(seen.conn(), left);
    System.out.printf(
        "client gone (%s api=%s reset=%s): upstream connection closed %d ms after the client"
            + " left%n",
        route, api, reset, closedMs);
    assertTrue(closedMs < CLOSE_WITHIN_MS, "upstream closed after " + closedMs + " ms");
    assertWorkerFreeAtOnce(api);
    await(
        () -> proxy.node().stats().count(FailureCode.CLIENT_GONE) == gone0 + 1,
        2_000,
        "one CLIENT_GONE");
    await(() -> loggedFor(path) != null, 2_000, "an access-log line");
    assertEquals("CLIENT_GONE", loggedFor(path).getString("outcome"));
  }

  @ParameterizedTest(name = "[{index}] api={0} reset={1}")
  @MethodSource("uploads")
  void aClientThatLeavesDuringItsUploadHasTheUpstreamCallCancelled(boolean api, boolean reset)
      throws Exception {
    // The API reads its body whole before it is sent on, so an upload cut short never starts;
    // absolute-form streams it, so the upstream saw the head and part of the body.
    String path = "/upload-" + System.nanoTime();
    long gone0 = proxy.node().stats().count(FailureCode.CLIENT_GONE);
    Socket client = send(request(path, api, "0123456789"));
    int conn = -1;
    if (!api) {
      await(
          () -> upstream.heads().stream().anyMatch(r -> r.path().equals(path)),
          5_000,
          "the upstream got the head");
      conn = upstream.heads().stream().filter(r -> r.path().equals(path)).findFirst().get().conn();
    }
    Thread.sleep(100);
    long left = leave(client, reset);
    if (!api) {
      long closedMs = awaitClosed(conn, left);
      System.out.printf(
          "client gone mid-upload (reset=%s): upstream closed in %d ms%n", reset, closedMs);
      assertTrue(closedMs < CLOSE_WITHIN_MS, "upstream closed after " + closedMs + " ms");
      await(
          () -> proxy.node().stats().count(FailureCode.CLIENT_GONE) == gone0 + 1,
          2_000,
          "one CLIENT_GONE");
    }
    assertWorkerFreeAtOnce(api);
    assertTrue(
        upstream.requests().stream().noneMatch(r -> r.path().equals(path)),
        "no complete upload reached the upstream");
  }

  static Stream<Arguments> uploads() {
    return Stream.of(
        Arguments.of(false, true),
        Arguments.of(false, false),
        Arguments.of(true, true),
        Arguments.of(true, false));
  }

  @ParameterizedTest(name = "[{index}] api={0} reset={1}")
  @MethodSource("uploads")
  void aQueuedRequestWhoseClientLeavesIsWithdrawnAndNeverRuns(boolean api, boolean reset)
      throws Exception {
    String holder = "/hold-" + System.nanoTime();
    String queued = "/queued-" + System.nanoTime();
    long abandoned0 = abandoned();
    Socket first = send(request(holder, false, null));
    awaitRequest(holder);
    Socket second = send(request(queued, api, null));
    await(() -> proxy.node().stats().queued().get() == 1, 2_000, "the second request queued");
    long left = leave(second, reset);
    await(() -> proxy.node().stats().queued().get() == 0, 500, "the queue entry removed");
    long ms = (System.nanoTime() - left) / 1_000_000;
    System.out.printf("queued client gone (api=%s reset=%s): withdrawn in %d ms%n", api, reset, ms);
    // Counted as its refusal runs on the ticket's loop, a moment after the queue entry goes.
    await(() -> abandoned() == abandoned0 + 1, 2_000, "abandonedBeforeStart counted once");
    assertEquals(abandoned0 + 1, abandoned(), "abandonedBeforeStart");
    await(() -> loggedFor(queued) != null, 2_000, "an access-log line for the queued request");
    assertEquals("CLIENT_GONE", loggedFor(queued).getString("outcome"));
    String answer = readAll(first);
    assertTrue(answer.startsWith("HTTP/1.1 200") && answer.endsWith("held"), answer);
    Thread.sleep(200);
    assertTrue(
        upstream.requests().stream().noneMatch(r -> r.path().equals(queued)),
        "the departed request never ran upstream");
  }

  @Test
  void aSlotFreedByADepartureGoesToTheNextQueuedRequest() throws Exception {
    String slow = "/slow-" + System.nanoTime();
    Socket first = send(request(slow, false, null));
    RawUpstream.Request seen = awaitRequest(slow);
    var next = proxy.client().get(upstream.url("/next"));
    await(() -> proxy.node().stats().queued().get() == 1, 2_000, "the next request queued");
    long left = leave(first, true);
    Resp r = next.await();
    long ms = (System.nanoTime() - left) / 1_000_000;
    assertEquals(200, r.status());
    assertEquals("next", r.body().toString());
    assertTrue(ms < CLOSE_WITHIN_MS, "the queued request started " + ms + " ms after");
    assertNotNull(upstream.closedAt(seen.conn()));
  }

  private static long abandoned() {
    return proxy.node().stats().snapshot().getLong("abandonedBeforeStart", 0L);
  }

  private static void assertWorkerFreeAtOnce(boolean api) {
    long t0 = System.nanoTime();
    Resp r =
        api
            ? proxy.client().fetch(new JsonObject().put("url", upstream.url("/after"))).await()
            : proxy.client().get(upstream.url("/after")).await();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(200, r.status(), r.body().toString());
    assertTrue(ms < CLOSE_WITHIN_MS, "the next request waited " + ms + " ms for the worker");
  }

  private static String request(String path, boolean api, String partialBody) {
    String url = upstream.url(path);
    if (api) {
      JsonObject j = new JsonObject().put("url", url);
      if (partialBody != null) {
        j.put("method", "POST").put("body", partialBody);
      }
      String json = j.encode();
      String declared = partialBody == null ? json : json + " ".repeat(1000);
      String sent = partialBody == null ? json : json.substring(0, json.length() / 2);
      return "POST /api/v1/fetch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: "
          + declared.length()
          + "\r\n\r\n"
          + sent;
    }
    String head =
        (partialBody == null ? "GET " : "POST ") + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (partialBody == null) {
      return head + "\r\n";
    }
    return head + "Content-Length: 1000\r\n\r\n" + partialBody;
  }

  private static Socket send(String bytes) throws Exception {
    Socket s = new Socket("127.0.0.1", proxy.port());
    s.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    return s;
  }

  /** Closes the client socket with an RST ({@code reset}) or a FIN; returns System.nanoTime(). */
  private static long leave(Socket s, boolean reset) throws Exception {
    if (reset) {
      s.setSoLinger(true, 0);
    }
    long t = System.nanoTime();
    s.close();
    return t;
  }

  private static String readAll(Socket s) throws Exception {
    s.setSoTimeout(10_000);
    StringBuilder b = new StringBuilder();
    var in = s.getInputStream();
    while (!(b.indexOf("\r\n\r\n") > 0 && b.toString().endsWith("held"))) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.append((char) c);
    }
    s.close();
    return b.toString();
  }

  private static RawUpstream.Request awaitRequest(String path) throws Exception {
    await(
        () -> upstream.requests().stream().anyMatch(r -> r.path().equals(path)),
        5_000,
        "the upstream got " + path);
    return upstream.requests().stream().filter(r -> r.path().equals(path)).findFirst().get();
  }

  private static long awaitClosed(int conn, long leftNanos) throws Exception {
    await(() -> upstream.closedAt(conn) != null, 10_000, "upstream connection " + conn + " closed");
    return (upstream.closedAt(conn) - leftNanos) / 1_000_000;
  }

  private static JsonObject loggedFor(String path) {
    List<ILoggingEvent> events = List.copyOf(logged.list);
    for (ILoggingEvent e : events) {
      JsonObject line = new JsonObject(e.getFormattedMessage());
      if (String.valueOf(line.getString("path")).startsWith(path)) {
        return line;
      }
    }
    return null;
  }

  private static void await(BooleanSupplier condition, long ms, String what) throws Exception {
    long deadline = System.nanoTime() + ms * 1_000_000;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what + " within " + ms + " ms");
      Thread.sleep(5);
    }
  }
}
