package io.httpsproxy.ingress;

import static io.httpsproxy.ingress.StreamingTest.assertDownloaded;
import static io.httpsproxy.ingress.StreamingTest.assertSinkGot;
import static io.httpsproxy.ingress.StreamingTest.authority;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A positive maxBodyBytes bounds absolute-form bodies both ways, and what the upstream received
 * says how: a declared request body over it is 413 before anything is forwarded; a chunked one that
 * passes it is cut (the upstream never sees it complete), answered 413, and its connection closed;
 * a declared response body over it is 502; a streamed one that passes it is cut and its connection
 * closed, never ended as if complete. CONNECT tunnels are not bounded by it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BodyLimitTest {
  private static final long LIMIT = 1024 * 1024;
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  private static HttpsUpstream https;
  private static ProxyHarness proxy;
  private static javax.net.ssl.SSLContext tls;

  @BeforeAll
  static void start() throws Exception {
    TestCa ca = TestCa.create("body-limit-test");
    tls = StreamingHttp.trusting(ca.caPem());
    https = HttpsUpstream.https(ca.issue("localhost"));
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("maxBodyBytes", LIMIT)
                .put("connectPorts", new JsonArray().add(https.port())));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    https.close();
  }

  @ParameterizedTest(name = "Content-Length {0}")
  @ValueSource(longs = {1024 * 1024 + 1, 2 * 1024 * 1024, 100L * 1024 * 1024})
  void aDeclaredRequestBodyOverTheLimitIs413AndNothingIsForwarded(long size) throws Exception {
    int before = https.total() + https.streams().sinkStarted();
    String path = sinkPath();
    Response r = upload(path, Body.generated(size, 1, false));

    assertEquals(413, r.status(), r.text());
    assertEquals("REQUEST_BODY_TOO_LARGE", r.header("X-Proxy-Error"));
    assertNull(https.streams().progress(path), "the upstream was reached");
    assertEquals(before, https.total() + https.streams().sinkStarted());
  }

  @ParameterizedTest(name = "{0} bytes chunked={1}")
  @CsvSource({"1048576, false", "1048575, false", "0, false", "1048576, true", "1048575, true"})
  void aRequestBodyUpToTheLimitIsForwardedWhole(long size, boolean chunked) throws Exception {
    long seed = 100 + size;
    String path = sinkPath();
    Response r = upload(path, Body.generated(size, seed, chunked));

    assertSinkGot(https, path, r, size, seed);
  }

  @ParameterizedTest(name = "chunked {0}")
  @ValueSource(longs = {1024 * 1024 + 1, 2 * 1024 * 1024, 64L * 1024 * 1024})
  void aChunkedRequestBodyPastTheLimitIsCutAnsweredWith413AndItsConnectionClosed(long size)
      throws Exception {
    int completed = https.streams().sinkCompleted();
    String path = sinkPath();
    Response r;
    boolean closed;
    try (StreamingHttp c = StreamingHttp.open(proxy.port())) {
      r = c.exchange("POST", https.url(path), authority(https), chunked(size), null, true);
      closed = c.closedWithin(Duration.ofSeconds(5));
    }

    assertEquals(413, r.status(), r.text());
    assertEquals("REQUEST_BODY_TOO_LARGE", r.header("X-Proxy-Error"));
    assertTrue(closed, "the connection stayed open after the 413");
    StreamRoutes.Progress p = awaitCut(path);
    assertTrue(p == null || (!p.ended() && p.reset()), "the upstream request was not reset");
    assertEquals(completed, https.streams().sinkCompleted(), "the upstream saw a whole request");
  }

  @ParameterizedTest(name = "Content-Length {0}")
  @ValueSource(longs = {1024 * 1024 + 1, 2 * 1024 * 1024, 100L * 1024 * 1024})
  void aDeclaredResponseBodyOverTheLimitIs502(long size) throws Exception {
    Response r = download(StreamingTest.streamPath(size, 3, "content-length"));

    assertEquals(502, r.status());
    assertEquals("UPSTREAM_BODY_TOO_LARGE", r.header("X-Proxy-Error"));
    assertTrue(r.complete());
  }

  @ParameterizedTest(name = "{0} bytes {1}")
  @CsvSource({
    "1048576, content-length",
    "1048575, content-length",
    "1048576, chunked",
    "1048575, chunked",
    "0, chunked"
  })
  void aResponseBodyUpToTheLimitArrivesWhole(long size, String framing) throws Exception {
    long seed = 200 + size;
    String path = StreamingTest.streamPath(size, seed, framing);

    assertDownloaded(https, path, download(path), size, seed);
  }

  @ParameterizedTest(name = "chunked {0}")
  @ValueSource(longs = {1024 * 1024 + 1, 2 * 1024 * 1024, 100L * 1024 * 1024})
  void aStreamedResponseBodyPastTheLimitIsCutAndItsConnectionClosed(long size) throws Exception {
    String path = StreamingTest.streamPath(size, 4, "chunked");
    Response r;
    boolean closed;
    try (StreamingHttp c = StreamingHttp.open(proxy.port())) {
      r = c.get(https.url(path), authority(https));
      closed = c.closedWithin(Duration.ofSeconds(5));
    }

    assertEquals(200, r.status(), "the head was sent before the body passed the limit");
    assertFalse(r.complete(), "the cut body was ended as if complete");
    assertTrue(r.bodyBytes() <= LIMIT, r.bodyBytes() + " bytes passed the limit");
    assertTrue(closed, "the connection stayed open after the cut body");
  }

  @Test
  void aTunnelIsNotBoundedByMaxBodyBytes() throws Exception {
    long size = 4 * LIMIT;
    String down = StreamingTest.streamPath(size, 5, "chunked");
    String up = sinkPath();
    try (StreamingHttp c = StreamingHttp.tunnel(proxy.port(), authority(https), tls)) {
      assertDownloaded(https, down, c.get(down, authority(https)), size, 5);
      Body body = Body.generated(size, 6, true);
      assertSinkGot(https, up, c.exchange("POST", up, authority(https), body, null, true), size, 6);
    }
  }

  // ---- helpers ----

  private static Response upload(String path, Body body) throws Exception {
    try (StreamingHttp c = StreamingHttp.open(proxy.port())) {
      return c.exchange("POST", https.url(path), authority(https), body, null, true);
    }
  }

  private static Response download(String path) throws Exception {
    try (StreamingHttp c = StreamingHttp.open(proxy.port())) {
      return c.get(https.url(path), authority(https));
    }
  }

  private static Body chunked(long size) {
    return Body.generated(size, 7, true);
  }

  /** The sink's progress once the proxy's reset has reached it (or null: it never got there). */
  private static StreamRoutes.Progress awaitCut(String path) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    StreamRoutes.Progress p = https.streams().progress(path);
    while (p != null && !p.reset() && !p.ended() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      p = https.streams().progress(path);
    }
    return p;
  }

  private static String sinkPath() {
    return "/sink?limit=" + UNIQUE.incrementAndGet();
  }
}
