package io.httpsproxy.ingress;

import static io.httpsproxy.ingress.StreamingTest.assertDownloaded;
import static io.httpsproxy.ingress.StreamingTest.assertSinkGot;
import static io.httpsproxy.ingress.StreamingTest.authority;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.StreamRoutes;
import io.httpsproxy.testing.StreamingHttp;
import io.httpsproxy.testing.StreamingHttp.Body;
import io.httpsproxy.testing.StreamingHttp.Response;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Back-pressure end to end: a reader that stops holds the upstream's writes back, a paused upstream
 * holds the uploading client's writes back, and a client that reads nothing at all is cut off after
 * writeIdleTimeout. "Held back" means within {@link #MAX_AHEAD} of the other end, an eighth of the
 * 64 MiB body: the proxy's window plus the kernel buffers of the four sockets on the way, all fixed
 * (the test's and the upstream's here, the proxy's by socketBufferBytes, 256 KiB, which Linux
 * doubles). Measured: 2.0-2.3 MiB ahead through absolute-form, 2.7-4.8 MiB through a tunnel. A
 * proxy that buffers bodies shows ~63 MiB; with the proxy's buffers left to autotuning (up to 32
 * MiB receive here) a correct relay still ran 8-10 MiB ahead.
 *
 * <p>Downloads are measured from a plain-HTTP upstream: a Vert.x 5.0.7 HTTPS server does not report
 * {@code writeQueueFull()} (it queued a whole 64 MiB body in its own memory while the socket was
 * full; measured with a paused Vert.x client and no proxy at all), so an HTTPS upstream's count of
 * bytes written says nothing about who held them. Uploads go to HTTPS.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BackpressureTest {
  private static final long MIB = 1024 * 1024;
  private static final long BODY = 64 * MIB;
  private static final long MAX_AHEAD = 8 * MIB;
  private static final int SOCKET_BUFFER = 64 * 1024;
  private static final long PAUSE_MS = 3_000;
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  private static SSLContext tls;
  private static HttpsUpstream https;
  private static HttpsUpstream plain;
  private static ProxyHarness proxy;
  private static ProxyHarness impatient;

  @BeforeAll
  static void start() throws Exception {
    TestCa ca = TestCa.create("backpressure-test");
    tls = StreamingHttp.trusting(ca.caPem());
    https = HttpsUpstream.https(ca.issue("localhost"));
    plain = HttpsUpstream.http();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("connectPorts", new JsonArray().add(https.port()).add(plain.port())));
    impatient = ProxyHarness.start(ProxyFixture.baseConfig(ca, null).put("writeIdleTimeout", 1.0));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    impatient.close();
    https.close();
    plain.close();
  }

  /** Pauses twice: early (buffers still small) and mid-body (after a fast stretch grew them). */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"absolute-form", "tunnel"})
  void aReaderThatPausesHoldsTheUpstreamBackAndStillGetsTheWholeBody(String via) throws Exception {
    long seed = 7_000 + UNIQUE.incrementAndGet();
    String path = "/stream/" + BODY + "?seed=" + seed + "&bp=" + UNIQUE.incrementAndGet();
    long[] pauseAt = {MIB, 32 * MIB};
    List<Long> ahead = new ArrayList<>();
    LongConsumer pausing =
        read -> {
          if (ahead.size() < pauseAt.length && read >= pauseAt[ahead.size()]) {
            sleep(PAUSE_MS);
            ahead.add(plain.streams().progress(path).bytes() - read);
          }
        };
    Response r;
    try (StreamingHttp c = client(via, plain, null)) {
      r = c.exchange("GET", target(via, plain, path), authority(plain), null, pausing, false);
    }

    assertDownloaded(plain, path, r, BODY, seed);
    assertEquals(2, ahead.size());
    for (long a : ahead) {
      assertTrue(a <= MAX_AHEAD, "upstream wrote " + a + " bytes past what was read: " + ahead);
    }
  }

  @ParameterizedTest(name = "{0} chunked={1}")
  @CsvSource({"absolute-form, false", "absolute-form, true", "tunnel, false"})
  void anUploadIntoAPausedUpstreamHoldsTheClientBack(String via, boolean chunked) throws Exception {
    long seed = 8_000 + UNIQUE.incrementAndGet();
    String path = "/slowsink?pauseMs=" + PAUSE_MS + "&bp=" + UNIQUE.incrementAndGet();
    try (StreamingHttp c = client(via, https, tls)) {
      CompletableFuture<Response> answer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return c.exchange(
                      "POST",
                      target(via, https, path),
                      authority(https),
                      Body.generated(BODY, seed, chunked),
                      null,
                      true);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      StreamRoutes.Progress p = awaitProgress(https, path, 10_000);
      sleep(PAUSE_MS - 1_000); // the sink stopped reading after its first chunk
      long consumed = p.bytes();
      long sent = c.sent();

      assertTrue(
          sent - consumed <= MAX_AHEAD,
          "client got " + sent + " bytes off while the upstream had read " + consumed);
      assertTrue(consumed < BODY, "the upstream read everything while paused");
      assertSinkGot(https, path, answer.get(60, TimeUnit.SECONDS), BODY, seed);
    }
  }

  @Test
  void aClientThatReadsNothingIsCutOffAfterWriteIdleTimeoutWhileOthersAreServed() throws Exception {
    long size = 256 * MIB;
    String path = "/stream/" + size + "?seed=9&wi=" + UNIQUE.incrementAndGet();
    try (StreamingHttp stalled = StreamingHttp.open(impatient.port(), SOCKET_BUFFER)) {
      long start = System.nanoTime();
      stalled.send("GET", plain.url(path), authority(plain), null);
      StreamRoutes.Progress p = awaitProgress(plain, path, 5_000);

      String other = "/stream/65536?seed=10&wi=" + UNIQUE.incrementAndGet();
      try (StreamingHttp c = StreamingHttp.open(impatient.port())) {
        assertDownloaded(https, other, c.get(https.url(other), authority(https)), 65536, 10);
      }
      while (!p.reset() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
        Thread.sleep(20);
      }
      long ms = (System.nanoTime() - start) / 1_000_000;

      assertTrue(p.reset(), "the upstream call was not reset within " + ms + " ms");
      assertTrue(ms < 6_000, "reset after " + ms + " ms, writeIdleTimeout is 1 s");
      assertTrue(p.bytes() <= MAX_AHEAD, "upstream wrote " + p.bytes() + " bytes");
      Response cut = stalled.read();
      assertFalse(cut.complete(), "a complete response: " + cut.status() + " " + cut.headers());
      assertTrue(cut.bodyBytes() < size);
    }
  }

  // ---- helpers ----

  /** Through the proxy to {@code up}; a tunnel speaks TLS inside when {@code inside} is given. */
  private static StreamingHttp client(String via, HttpsUpstream up, SSLContext inside)
      throws IOException {
    return via.equals("tunnel")
        ? StreamingHttp.tunnel(proxy.port(), authority(up), inside, SOCKET_BUFFER)
        : StreamingHttp.open(proxy.port(), SOCKET_BUFFER);
  }

  private static String target(String via, HttpsUpstream up, String path) {
    return via.equals("tunnel") ? path : up.url(path);
  }

  private static StreamRoutes.Progress awaitProgress(HttpsUpstream up, String path, long timeoutMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    StreamRoutes.Progress p;
    while ((p = up.streams().progress(path)) == null && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertNotNull(p, "the upstream saw no " + path + " within " + timeoutMs + " ms");
    return p;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
