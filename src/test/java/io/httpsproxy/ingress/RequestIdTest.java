package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request ids end to end: a client's W3C traceparent gives the id, which comes back as X-Request-Id
 * on every response and reaches the upstream inside the proxy's own traceparent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestIdTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_PARENT = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + CLIENT_PARENT + "-01";
  private static final Pattern OUTGOING =
      Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");

  private static HttpsUpstream https;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() throws Exception {
    TestCa ca = TestCa.create("request-id-test");
    https = HttpsUpstream.https(ca.issue("localhost"));
    proxy = ProxyHarness.start(ProxyFixture.baseConfig(ca, null).put("maxBodyBytes", 1000));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    https.close();
  }

  @Test
  void clientTraceIdComesBackAsRequestIdAndReachesUpstreamUnderTheProxysOwnSpan() {
    MultiMap h =
        MultiMap.caseInsensitiveMultiMap()
            .add("traceparent", TRACEPARENT)
            .add("tracestate", "congo=t61rcWkgMzE");
    Resp r = proxy.client().forward(HttpMethod.GET, https.url("/echo"), h, null).await();

    assertEquals(200, r.status());
    assertEquals(TRACE_ID, r.header("X-Request-Id"));
    Matcher sent = upstreamTraceparent();
    assertEquals(TRACE_ID, sent.group(1));
    assertNotEquals(CLIENT_PARENT, sent.group(2), "the proxy's own span is the parent");
    assertNotEquals("0000000000000000", sent.group(2));
    assertEquals("01", sent.group(3), "flags kept");
    assertEquals(List.of("congo=t61rcWkgMzE"), https.last().headers().get("tracestate"));
  }

  @Test
  void jsonApiCallsContinueTheTraceOfTheCallToTheProxy() {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("traceparent", TRACEPARENT);
    JsonObject body =
        new JsonObject()
            .put("url", https.url("/echo"))
            .put(
                "headers",
                new JsonObject()
                    .put("traceparent", "00-" + "1".repeat(32) + "-" + "2".repeat(16) + "-00"));
    Resp r = proxy.client().forward(HttpMethod.POST, apiUrl(), h, body.toBuffer()).await();

    assertEquals(200, r.status());
    assertEquals(TRACE_ID, r.header("X-Request-Id"));
    assertEquals(TRACE_ID, upstreamTraceparent().group(1));
    assertEquals(1, https.last().headers().get("traceparent").size());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", // 00 with extra
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", // short trace id
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", // wrong separators
        "not a traceparent"
      })
  void anInvalidTraceparentIsReplacedNotForwarded(String invalid) {
    MultiMap h =
        MultiMap.caseInsensitiveMultiMap().add("traceparent", invalid).add("tracestate", "a=b");
    Resp r = proxy.client().forward(HttpMethod.GET, https.url("/echo"), h, null).await();

    assertEquals(200, r.status());
    String id = r.header("X-Request-Id");
    assertTrue(ID.matcher(id).matches(), id);
    assertTrue(!invalid.toLowerCase(Locale.ROOT).contains(id), "a new id, not the invalid one");
    assertEquals(
        List.of(upstreamTraceparent().group(0)), https.last().headers().get("traceparent"));
    assertEquals(id, upstreamTraceparent().group(1));
    assertEquals("00", upstreamTraceparent().group(3));
    assertNull(https.last().headers().get("tracestate"), "tracestate goes with its traceparent");
  }

  @Test
  void laterVersionsAreReadAsVersion00() {
    MultiMap h =
        MultiMap.caseInsensitiveMultiMap()
            .add("traceparent", "cc-" + TRACE_ID + "-" + CLIENT_PARENT + "-01-what-comes-next");
    Resp r = proxy.client().forward(HttpMethod.GET, https.url("/echo"), h, null).await();
    assertEquals(TRACE_ID, r.header("X-Request-Id"));
    assertTrue(upstreamTraceparent().group(0).startsWith("00-" + TRACE_ID + "-"));
  }

  @Test
  void withoutATraceparentEachRequestGetsANewIdAndUpstreamGetsItAsTraceId() {
    Resp a = proxy.client().get(https.url("/echo")).await();
    String sent = upstreamTraceparent().group(1);
    Resp b = proxy.client().get(https.url("/echo")).await();
    assertTrue(ID.matcher(a.header("X-Request-Id")).matches());
    assertEquals(a.header("X-Request-Id"), sent);
    assertNotEquals(a.header("X-Request-Id"), b.header("X-Request-Id"));
  }

  @Test
  void errorAndAdminResponsesCarryTheRequestId() throws Exception {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("traceparent", TRACEPARENT);
    Resp notFound = local(HttpMethod.GET, "/nope", h, null);
    assertEquals(404, notFound.status());
    assertEquals(TRACE_ID, notFound.header("X-Request-Id"));

    assertIdOn(405, local(HttpMethod.GET, "/api/v1/fetch", null, null));
    assertIdOn(
        413, local(HttpMethod.POST, "/api/v1/fetch", null, Buffer.buffer("x".repeat(80_000))));
    assertIdOn(400, proxy.client().fetchRaw("{").await());
    assertIdOn(400, proxy.client().get("http://user@example.com/").await());
    assertIdOn(502, proxy.client().get("http://127.0.0.1:" + closedPort() + "/").await());
    for (String path : new String[] {"/stats", "/metrics", "/health", "/ready"}) {
      assertIdOn(200, proxy.admin().forward(HttpMethod.GET, path, null, null).await());
      assertIdOn(404, local(HttpMethod.GET, path, null, null)); // on the proxy port: elsewhere
    }
    // A port outside connectPorts is refused before any name is resolved.
    String connect =
        RawHttp.exchange(proxy.port(), "CONNECT example.com:25 HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
    assertEquals(403, RawHttp.status(connect), connect);
    assertRawId(connect);
    String tooLong =
        RawHttp.exchange(
            proxy.port(), "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
    assertTrue(RawHttp.status(tooLong) >= 400, tooLong);
    assertRawId(tooLong);
  }

  @Test
  void connectionLimitRejectionsCarryARequestId() throws Exception {
    try (ProxyHarness small =
            ProxyHarness.start(ProxyFixture.baseConfig(null, null).put("maxConnections", 1));
        Socket held = new Socket("127.0.0.1", small.port())) {
      OutputStream out = held.getOutputStream();
      out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      held.getInputStream().read(new byte[1024]); // the first connection is in
      String refused =
          RawHttp.exchange(small.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
      assertEquals(503, RawHttp.status(refused), refused);
      assertRawId(refused);
    }
  }

  private static void assertIdOn(int status, Resp r) {
    assertEquals(status, r.status(), r.body().toString());
    assertNotNull(r.header("X-Request-Id"), "X-Request-Id on " + status);
    assertTrue(ID.matcher(r.header("X-Request-Id")).matches(), r.header("X-Request-Id"));
    assertEquals(1, r.headers().getAll("X-Request-Id").size());
  }

  private static void assertRawId(String raw) {
    Matcher m = Pattern.compile("(?im)^x-request-id: ([0-9a-f]{32})$").matcher(raw);
    assertTrue(m.find(), raw);
  }

  private static Resp local(HttpMethod method, String path, MultiMap headers, Buffer body) {
    return proxy.client().forward(method, path, headers, body).await();
  }

  private static String apiUrl() {
    return "/api/v1/fetch";
  }

  private static Matcher upstreamTraceparent() {
    List<String> values = https.last().headers().get("traceparent");
    assertNotNull(values, "upstream got a traceparent");
    Matcher m = OUTGOING.matcher(values.get(0));
    assertTrue(m.matches(), values.get(0));
    return m;
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
