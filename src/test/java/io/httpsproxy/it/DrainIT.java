package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.httpsproxy.it.JarProcess.Finished;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM to the real jar: it stops accepting, lets in-flight requests finish (at most
 * drainTimeout), then exits 0.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DrainIT {
  private static final Duration START = Duration.ofSeconds(15);
  private static final Pattern SIGTERM_LOGGED = Pattern.compile("SIGTERM received");
  private static final int SLOW_MS = 2_000;
  private static final long HANDLER_GRACE_MS = 300;

  private static Path dir;
  private static TestCa ca;
  private static HttpsUpstream https;
  private static Vertx vertx;

  private JarProcess node;
  private ProxyClient client;

  @BeforeAll
  static void startUpstream() throws Exception {
    dir = JarProcess.workDir();
    ca = TestCa.create("drain-it");
    https = HttpsUpstream.https(ca.issue("localhost"));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopUpstream() {
    if (https != null) {
      https.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @AfterEach
  void killNode() {
    if (client != null) {
      client.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void inFlightRequestsFinishThenTheProcessExitsZero() throws Exception {
    node =
        JarProcess.start(
            dir,
            Map.of(),
            JarProcess.nodeArgs(dir, "--ca-file", ca.caPem().toString(), "--drain-timeout", "10"));
    int port = node.awaitListening(START);
    client = new ProxyClient(vertx, port);
    String slowPath = "/delay/" + SLOW_MS;
    // One in-flight request of each kind: absolute-form and the JSON API.
    CompletableFuture<Resp> forward =
        client.get(https.url(slowPath)).toCompletionStage().toCompletableFuture();
    CompletableFuture<Resp> api =
        client
            .fetch(new JsonObject().put("url", https.url(slowPath)))
            .toCompletionStage()
            .toCompletableFuture();
    awaitUpstreamCount(slowPath, 2, Duration.ofSeconds(5));
    Thread.sleep(300);

    long termAt = System.nanoTime();
    node.sigterm();
    node.awaitOutput(SIGTERM_LOGGED, Duration.ofSeconds(3));
    Thread.sleep(200);
    String late = tryNewRequest(port);
    assertTrue(
        late.equals("refused") || late.startsWith("HTTP/1.1 503"),
        "a new connection during the drain got: " + late + "\n" + node.log());

    Resp viaForward = forward.get(10, TimeUnit.SECONDS);
    Resp viaApi = api.get(10, TimeUnit.SECONDS);
    long answeredAt = System.nanoTime();
    assertEquals(200, viaForward.status(), viaForward.body().toString());
    assertEquals("slow", viaForward.body().toString());
    assertEquals(200, viaApi.status(), viaApi.body().toString());
    assertEquals(200, viaApi.json().getInteger("status"), viaApi.body().toString());
    assertEquals("slow", viaApi.json().getString("body"), viaApi.body().toString());
    assertTrue(
        ms(answeredAt - termAt) < SLOW_MS + 1_000,
        "answers came " + ms(answeredAt - termAt) + " ms after SIGTERM");

    Finished f = node.finish(Duration.ofSeconds(5));
    long exitedAt = System.nanoTime();
    assertEquals(0, f.exitCode(), f.describe());
    assertTrue(
        ms(exitedAt - answeredAt) < 3_000,
        "exited " + ms(exitedAt - answeredAt) + " ms after the last answer\n" + f.describe());
  }

  @Test
  void withAShutdownDelayTheNodeIsNotReadyButServesUntilTheDelayEnds() throws Exception {
    node =
        JarProcess.start(
            dir,
            Map.of(),
            JarProcess.nodeArgs(
                dir,
                "--ca-file",
                ca.caPem().toString(),
                "--drain-timeout",
                "10",
                "--shutdown-delay",
                "2"));
    int port = node.awaitListening(START);
    client = new ProxyClient(vertx, port);
    ProxyClient admin = new ProxyClient(vertx, node.awaitAdminPort(START));
    Thread.sleep(HANDLER_GRACE_MS);
    assertEquals(200, admin.local(HttpMethod.GET, "/ready", null).await().status());

    long termAt = System.nanoTime();
    node.sigterm();
    node.awaitOutput(
        Pattern.compile("SIGTERM received: /ready answers 503; serving for PT2S more"),
        Duration.ofSeconds(3));
    Resp ready = admin.local(HttpMethod.GET, "/ready", null).await();
    String fresh = tryNewRequest(port);
    long servedAt = System.nanoTime();

    assertEquals(503, ready.status());
    assertTrue(ready.body().toString().contains("draining"), ready.body().toString());
    assertTrue(fresh.startsWith("HTTP/1.1 200"), "a new request during the delay got: " + fresh);
    assertTrue(ms(servedAt - termAt) < 2_000, "served " + ms(servedAt - termAt) + " ms after");
    Finished f = node.finish(Duration.ofSeconds(10));
    assertEquals(0, f.exitCode(), f.describe());
    assertTrue(ms(System.nanoTime() - termAt) >= 2_000, "the delay was kept\n" + f.describe());
  }

  @Test
  void aSecondSigtermSkipsTheRestOfTheShutdownDelay() throws Exception {
    node =
        JarProcess.start(
            dir,
            Map.of(),
            JarProcess.nodeArgs(dir, "--shutdown-delay", "60", "--drain-timeout", "10"));
    node.awaitListening(START);
    Thread.sleep(HANDLER_GRACE_MS);

    node.sigterm();
    node.awaitOutput(Pattern.compile("serving for PT1M more"), Duration.ofSeconds(3));
    long againAt = System.nanoTime();
    node.sigterm();
    Finished f = node.finish(Duration.ofSeconds(5));

    assertEquals(0, f.exitCode(), f.describe());
    assertTrue(ms(System.nanoTime() - againAt) < 5_000, f.describe());
  }

  @Test
  void idleNodeExitsZeroWithinThreeSecondsOfSigterm() throws InterruptedException {
    node = JarProcess.start(dir, Map.of(), JarProcess.nodeArgs(dir, "--drain-timeout", "10"));
    node.awaitListening(START);
    // Main installs its SIGTERM handler just after the "listening" line; the next test covers
    // that window, this one the drain of an idle node.
    Thread.sleep(HANDLER_GRACE_MS);

    long termAt = System.nanoTime();
    node.sigterm();
    Finished f = node.finish(Duration.ofSeconds(3));
    assertEquals(0, f.exitCode(), f.describe());
    assertTrue(f.stderr().contains("SIGTERM received"), f.describe());
    assertTrue(f.stderr().contains("stopped"), f.describe());
    assertTrue(ms(System.nanoTime() - termAt) < 3_000, f.describe());
  }

  /**
   * A supervisor may stop a node as soon as it says it listens. SIGTERM a few milliseconds after
   * the line must still drain and exit 0, not kill the JVM with the default handler (exit 143). One
   * try hits the window about half the time while the handler is installed after the line, so three
   * tries.
   */
  @Test
  void sigtermRightAfterListeningLineStillExitsZero() {
    for (int attempt = 1; attempt <= 3; attempt++) {
      try (JarProcess p =
          JarProcess.start(dir, Map.of(), JarProcess.nodeArgs(dir, "--drain-timeout", "10"))) {
        p.awaitListening(START);
        p.sigterm();
        Finished f = p.finish(Duration.ofSeconds(3));
        assertEquals(0, f.exitCode(), "attempt " + attempt + ": " + f.describe());
        assertTrue(f.stderr().contains("stopped"), "attempt " + attempt + ": " + f.describe());
      }
    }
  }

  /**
   * A new connection and request: "refused", or the first bytes of the answer, or what went wrong
   * (for the assertion message).
   */
  private static String tryNewRequest(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      s.setSoTimeout(2_000);
      s.getOutputStream()
          .write(
              ("GET " + https.url("/echo") + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(12);
      return head.length == 0
          ? "closed without an answer"
          : new String(head, StandardCharsets.ISO_8859_1);
    } catch (ConnectException e) {
      return "refused";
    } catch (SocketTimeoutException e) {
      return "no answer within 2 s: " + e;
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  private static void awaitUpstreamCount(String path, int n, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (https.count(path) < n) {
      if (System.nanoTime() > deadline) {
        fail("the upstream saw " + https.count(path) + " of " + n + " requests to " + path);
      }
      Thread.sleep(20);
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
