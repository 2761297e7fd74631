package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.Bodies;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.StreamRoutes;
import io.httpsproxy.testing.StreamingHttp;
import io.httpsproxy.testing.StreamingHttp.Body;
import io.httpsproxy.testing.StreamingHttp.Response;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bodies stream through the proxy whole and unchanged, whatever their size (maxBodyBytes is 0 by
 * default: no limit for absolute-form and CONNECT): SHA-256 at the far end equals SHA-256 at the
 * near end, uploads into the upstream's /sink and downloads from its /stream, with Content-Length
 * and chunked, through absolute-form requests (to HTTPS and plain-HTTP upstreams) and through a
 * CONNECT tunnel to the HTTPS upstream. Neither the test nor the upstream ever holds a body whole.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamingTest {
  /** Around the 8 KiB chunk size of Vert.x and Netty, a 64 KiB write, past 1 MiB, and 100 MiB. */
  static final long[] SIZES = {0, 1, 8191, 8192, 8193, 65536, 1024 * 1024 + 1, 100L * 1024 * 1024};

  private static final AtomicInteger UNIQUE = new AtomicInteger();

  private static TestCa ca;
  private static SSLContext tls;
  private static HttpsUpstream https;
  private static HttpsUpstream http;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("streaming-test");
    tls = StreamingHttp.trusting(ca.caPem());
    https = HttpsUpstream.https(ca.issue("localhost"));
    http = HttpsUpstream.http();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("connectPorts", new JsonArray().add(https.port())));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    https.close();
    http.close();
  }

  static Stream<Arguments> absoluteForm() {
    List<Arguments> all = new ArrayList<>();
    for (String scheme : List.of("https", "http")) {
      for (String framing : List.of("content-length", "chunked")) {
        for (long size : SIZES) {
          all.add(Arguments.of(scheme, framing, size));
        }
      }
    }
    return all.stream();
  }

  static Stream<Arguments> tunnel() {
    List<Arguments> all = new ArrayList<>();
    for (String framing : List.of("content-length", "chunked")) {
      for (long size : SIZES) {
        all.add(Arguments.of(framing, size));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} bytes")
  @MethodSource("absoluteForm")
  void anAbsoluteFormUploadReachesTheUpstreamWhole(String scheme, String framing, long size)
      throws Exception {
    HttpsUpstream up = scheme.equals("https") ? https : http;
    long seed = seed(size);
    String path = "/sink?n=" + UNIQUE.incrementAndGet();
    Response r;
    try (StreamingHttp c = StreamingHttp.open(proxy.port())) {
      r = upload(c, up.url(path), authority(up), Body.generated(size, seed, chunked(framing)));
    }

    assertSinkGot(up, path, r, size, seed);
  }

  @ParameterizedTest(name = "{0} {1} {2} bytes")
  @MethodSource("absoluteForm")
  void anAbsoluteFormDownloadReachesTheClientWhole(String scheme, String framing, long size)
      throws Exception {
    HttpsUpstream up = scheme.equals("https") ? https : http;
    long seed = seed(size);
    String path = streamPath(size, seed, framing);
    Response r;
    try (StreamingHttp c = StreamingHttp.open(proxy.port())) {
      r = c.get(up.url(path), authority(up));
    }

    assertDownloaded(up, path, r, size, seed);
  }

  @ParameterizedTest(name = "{0} {1} bytes")
  @MethodSource("tunnel")
  void anUploadThroughAConnectTunnelReachesTheUpstreamWhole(String framing, long size)
      throws Exception {
    long seed = seed(size);
    String path = "/sink?n=" + UNIQUE.incrementAndGet();
    Response r;
    try (StreamingHttp c = StreamingHttp.tunnel(proxy.port(), authority(https), tls)) {
      r = upload(c, path, authority(https), Body.generated(size, seed, chunked(framing)));
    }

    assertSinkGot(https, path, r, size, seed);
  }

  @ParameterizedTest(name = "{0} {1} bytes")
  @MethodSource("tunnel")
  void aDownloadThroughAConnectTunnelReachesTheClientWhole(String framing, long size)
      throws Exception {
    long seed = seed(size);
    String path = streamPath(size, seed, framing);
    Response r;
    try (StreamingHttp c = StreamingHttp.tunnel(proxy.port(), authority(https), tls)) {
      r = c.get(path, authority(https));
    }

    assertDownloaded(https, path, r, size, seed);
  }

  // ---- helpers ----

  static Response upload(StreamingHttp c, String target, String host, Body body)
      throws java.io.IOException {
    return c.exchange("POST", target, host, body, null, true);
  }

  /** The client got the sink's digest of exactly what was sent, and the sink saw the end. */
  static void assertSinkGot(HttpsUpstream up, String path, Response r, long size, long seed) {
    assertEquals(200, r.status(), () -> r.status() + " " + r.headers() + " " + r.text());
    assertTrue(r.complete(), "answer cut short");
    JsonObject sink = new JsonObject(r.text());
    assertEquals(size, sink.getLong("length"), sink.encode());
    assertEquals(Bodies.sha256(seed, size), sink.getString("sha256"), "digest at the upstream");
    StreamRoutes.Progress p = up.streams().progress(path);
    assertNotNull(p, "the upstream saw no request " + path);
    assertTrue(p.ended(), "the upstream saw no end of body");
  }

  static void assertDownloaded(HttpsUpstream up, String path, Response r, long size, long seed) {
    assertEquals(200, r.status(), () -> r.status() + " " + r.headers());
    assertTrue(r.complete(), () -> "cut after " + r.bodyBytes() + " bytes: " + r.error());
    assertEquals(size, r.bodyBytes());
    assertEquals(Bodies.sha256(seed, size), r.sha256(), "digest at the client");
    assertTrue(up.streams().progress(path).ended());
  }

  static String streamPath(long size, long seed, String framing) {
    return "/stream/"
        + size
        + "?seed="
        + seed
        + (chunked(framing) ? "&chunked=1" : "")
        + "&n="
        + UNIQUE.incrementAndGet();
  }

  static boolean chunked(String framing) {
    return framing.equals("chunked");
  }

  static long seed(long size) {
    return size * 31 + UNIQUE.incrementAndGet();
  }

  static String authority(HttpsUpstream up) {
    return "localhost:" + up.port();
  }
}
