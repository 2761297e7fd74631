package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.Bodies;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.StreamingHttp;
import io.httpsproxy.testing.StreamingHttp.Body;
import io.httpsproxy.testing.StreamingHttp.Response;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
 * The JSON API (POST /api/v1/fetch) carries bodies inside JSON, so it buffers them, bounded by
 * apiMaxBodyBytes (default 10 MiB, whatever maxBodyBytes says): bodies up to the bound travel
 * unchanged both ways, a decoded request body past it is 413 and reaches nothing, an upstream body
 * past it is 502. With the bound raised to 64 MiB a 16 MiB body works: its base64 (22 M chars) is
 * past Jackson's default 20 M-char string limit, which the proxy must lift to match.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamingApiTest {
  private static final long MIB = 1024 * 1024;
  private static final long DEFAULT_BOUND = 10 * MIB;
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  private static HttpsUpstream https;
  private static ProxyHarness proxy;
  private static ProxyHarness raised;

  @BeforeAll
  static void start() throws Exception {
    TestCa ca = TestCa.create("streaming-api-test");
    https = HttpsUpstream.https(ca.issue("localhost"));
    proxy = ProxyHarness.start(ProxyFixture.baseConfig(ca, null));
    raised = ProxyHarness.start(ProxyFixture.baseConfig(ca, null).put("apiMaxBodyBytes", 64 * MIB));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    raised.close();
    https.close();
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(longs = {0, 1, 8191, 8192, 8193, 65536, 1024 * 1024 + 1, 10 * 1024 * 1024})
  void anUploadUpToTheBoundReachesTheUpstreamWhole(long size) throws Exception {
    assertUploaded(proxy, size);
  }

  @ParameterizedTest(name = "{0} bytes, chunked={1}")
  @CsvSource({
    "0, false",
    "1, false",
    "8191, true",
    "8192, false",
    "8193, true",
    "65536, false",
    "1048577, true",
    "10485760, false",
    "10485760, true"
  })
  void aDownloadUpToTheBoundReachesTheClientWhole(long size, boolean chunked) throws Exception {
    assertDownloaded(proxy, size, chunked);
  }

  @Test
  void aSixteenMebibyteUploadWorksWithARaisedBound() throws Exception {
    assertUploaded(raised, 16 * MIB);
  }

  @Test
  void aSixteenMebibyteDownloadWorksWithARaisedBound() throws Exception {
    assertDownloaded(raised, 16 * MIB, false);
    assertDownloaded(raised, 16 * MIB, true);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(longs = {10 * 1024 * 1024 + 1, 12 * 1024 * 1024})
  void aDecodedRequestBodyPastTheBoundIs413AndReachesNothing(long size) throws Exception {
    int before = https.total() + https.streams().sinkStarted();
    Response r = fetch(proxy, sinkRequest(size, seed()));

    assertEquals(413, r.status(), r.text());
    assertEquals("REQUEST_BODY_TOO_LARGE", new JsonObject(r.text()).getString("error"));
    assertEquals(before, https.total() + https.streams().sinkStarted());
  }

  @ParameterizedTest(name = "{0} bytes, chunked={1}")
  @CsvSource({"10485761, false", "10485761, true", "33554432, false", "33554432, true"})
  void anUpstreamBodyPastTheBoundIs502(long size, boolean chunked) throws Exception {
    Response r = fetch(proxy, streamRequest(size, seed(), chunked));

    assertEquals(502, r.status(), r.text());
    assertEquals("UPSTREAM_BODY_TOO_LARGE", new JsonObject(r.text()).getString("error"));
  }

  @Test
  void theRaisedBoundStillHolds() throws Exception {
    int before = https.streams().sinkStarted();
    Response up = fetch(raised, sinkRequest(64 * MIB + 1, seed()));
    Response down = fetch(raised, streamRequest(64 * MIB + 1, seed(), true));

    assertEquals(413, up.status(), up.text());
    assertEquals(before, https.streams().sinkStarted());
    assertEquals(502, down.status(), down.text());
  }

  // ---- helpers ----

  private static void assertUploaded(ProxyHarness via, long size) throws Exception {
    long seed = seed();
    Response r = fetch(via, sinkRequest(size, seed));

    assertEquals(200, r.status(), () -> r.text().substring(0, Math.min(500, r.text().length())));
    JsonObject answer = new JsonObject(r.text());
    assertEquals(200, answer.getInteger("status"), answer.encode());
    JsonObject sink = new JsonObject(answer.getString("body"));
    assertEquals(size, sink.getLong("length"));
    assertEquals(Bodies.sha256(seed, size), sink.getString("sha256"));
  }

  private static void assertDownloaded(ProxyHarness via, long size, boolean chunked)
      throws Exception {
    long seed = seed();
    Response r = fetch(via, streamRequest(size, seed, chunked));

    assertEquals(200, r.status(), () -> r.text().substring(0, Math.min(500, r.text().length())));
    byte[] body = upstreamBody(r.body());
    assertEquals(size, body.length);
    assertEquals(Bodies.sha256(seed, size), Bodies.sha256(body));
  }

  /** An API request that POSTs {@code size} bytes (as base64) to the upstream's /sink. */
  private static byte[] sinkRequest(long size, long seed) {
    String b64 = Base64.getEncoder().encodeToString(Bodies.slice(seed, 0, (int) size));
    String json =
        "{\"url\":\""
            + https.url("/sink?api=" + UNIQUE.incrementAndGet())
            + "\",\"method\":\"POST\",\"bodyBase64\":\""
            + b64
            + "\"}";
    return json.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] streamRequest(long size, long seed, boolean chunked) {
    String url =
        https.url(
            "/stream/" + size + "?seed=" + seed + (chunked ? "&chunked=1" : "") + "&api=" + seed);
    return new JsonObject().put("url", url).encode().getBytes(StandardCharsets.US_ASCII);
  }

  private static Response fetch(ProxyHarness via, byte[] json) throws IOException {
    try (StreamingHttp c = StreamingHttp.open(via.port())) {
      return c.exchange("POST", "/api/v1/fetch", "127.0.0.1", Body.of(json), null, true);
    }
  }

  /**
   * The upstream body inside an API answer: "bodyBase64" is cut out of the raw JSON by hand (a 16
   * MiB body's 22 M chars would trip the test's own Jackson limit), a text "body" is parsed.
   */
  private static byte[] upstreamBody(byte[] answer) {
    String text = new String(answer, StandardCharsets.ISO_8859_1);
    String key = "\"bodyBase64\":\"";
    int at = text.indexOf(key);
    if (at >= 0) {
      int end = text.indexOf('"', at + key.length());
      JsonObject rest =
          new JsonObject(text.substring(0, at) + "\"cut\":0" + text.substring(end + 1));
      assertEquals(200, rest.getInteger("status"), rest.encode());
      return Base64.getDecoder().decode(text.substring(at + key.length(), end));
    }
    JsonObject json = new JsonObject(new String(answer, StandardCharsets.UTF_8));
    assertEquals(200, json.getInteger("status"), json.encode());
    assertTrue(json.containsKey("body"), json.encode());
    return json.getString("body").getBytes(StandardCharsets.UTF_8);
  }

  private static long seed() {
    return 1000 + UNIQUE.incrementAndGet();
  }
}
