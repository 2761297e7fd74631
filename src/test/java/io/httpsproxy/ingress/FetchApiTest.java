package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** POST /api/v1/fetch, the JSON client protocol, against a real HTTPS upstream. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FetchApiTest {
  private static HttpsUpstream https;
  private static ProxyHarness proxy;
  private static ProxyClient client;

  @BeforeAll
  static void start() throws Exception {
    TestCa ca = TestCa.create("api-test");
    https = HttpsUpstream.https(ca.issue("localhost"));
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null).put("requestTimeout", 2.0).put("maxBodyBytes", 4096));
    client = proxy.client();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    https.close();
  }

  @Test
  void fetchesWithMethodHeadersAndTextBody() {
    JsonObject req =
        new JsonObject()
            .put("url", https.url("/echo?x=1"))
            .put("method", "PUT")
            .put(
                "headers",
                new JsonObject().put("X-A", "1").put("X-M", new JsonArray().add("a").add("b")))
            .put("body", "héllo");
    Resp r = client.fetch(req).await();

    assertEquals(200, r.status());
    JsonObject out = r.json();
    assertEquals(200, out.getInteger("status"));
    assertEquals("echo", out.getJsonObject("headers").getString("x-upstream"));
    JsonObject echo = new JsonObject(out.getString("body"));
    assertEquals("PUT", echo.getString("method"));
    assertEquals("/echo?x=1", echo.getString("uri"));
    assertEquals(
        "héllo",
        new String(
            Base64.getDecoder().decode(echo.getString("bodyBase64")),
            java.nio.charset.StandardCharsets.UTF_8));
    HttpsUpstream.Received got = https.last();
    assertEquals(List.of("a", "b"), got.headers().get("x-m"));
    assertEquals(List.of("1"), got.headers().get("x-a"));
    JsonObject timings = out.getJsonObject("timings");
    assertTrue(timings.getLong("queueMs") >= 0);
    assertTrue(timings.getLong("upstreamMs") >= 0);
    assertTrue(timings.getLong("totalMs") >= timings.getLong("upstreamMs"));
    assertNotNull(out.getString("node"));
  }

  @Test
  void binaryBodiesTravelAsBase64BothWays() {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    String b64 = Base64.getEncoder().encodeToString(all);
    Resp sent =
        client
            .fetch(
                new JsonObject()
                    .put("url", https.url("/echo"))
                    .put("method", "POST")
                    .put("bodyBase64", b64))
            .await();
    assertEquals(b64, new JsonObject(sent.json().getString("body")).getString("bodyBase64"));

    Resp got = client.fetch(new JsonObject().put("url", https.url("/binary"))).await();
    assertFalse(got.json().containsKey("body"));
    assertArrayEquals(all, Base64.getDecoder().decode(got.json().getString("bodyBase64")));
  }

  @Test
  void upstreamErrorStatusIsReportedInsideA200() {
    Resp r = client.fetch(new JsonObject().put("url", https.url("/status/404"))).await();
    assertEquals(200, r.status());
    assertEquals(404, r.json().getInteger("status"));
    assertEquals("status 404", r.json().getString("body"));
  }

  @Test
  void repeatedResponseHeadersBecomeArrays() {
    Resp r = client.fetch(new JsonObject().put("url", https.url("/hop"))).await();
    assertEquals(
        new JsonArray().add("a=1; Path=/").add("b=2; Path=/"),
        r.json().getJsonObject("headers").getJsonArray("set-cookie"));
  }

  @Test
  void proxyFailuresKeepTheirStatusAndErrorBody() {
    Resp r = client.fetch(new JsonObject().put("url", https.url("/delay/6000"))).await();
    assertEquals(504, r.status());
    assertEquals("UPSTREAM_TIMEOUT", r.json().getString("error"));
    assertEquals("UPSTREAM_TIMEOUT", r.header("X-Proxy-Error"));
  }

  @Test
  void bodyOverMaxBodyBytesIs413() {
    int before = https.total();
    Resp r =
        client
            .fetch(
                new JsonObject()
                    .put("url", https.url("/echo"))
                    .put("method", "POST")
                    .put("body", "x".repeat(5000)))
            .await();
    assertEquals(413, r.status());
    assertEquals("REQUEST_BODY_TOO_LARGE", r.json().getString("error"));
    assertEquals(before, https.total());
  }

  @Test
  void onlyPostIsAllowed() {
    Resp r = client.local(HttpMethod.GET, "/api/v1/fetch", null).await();
    assertEquals(405, r.status());
    assertEquals("METHOD_NOT_ALLOWED", r.json().getString("error"));
  }

  static Stream<Arguments> badRequests() {
    String ok = "\"url\": \"https://localhost:1/echo\"";
    return Stream.of(
        Arguments.of("{", "not a JSON object"),
        Arguments.of("[1]", "not a JSON object"),
        Arguments.of("\"text\"", "not a JSON object"),
        Arguments.of("{}", "url is missing"),
        Arguments.of("{\"url\": 5}", "url must be a string"),
        Arguments.of("{\"url\": \"ftp://localhost/x\"}", "scheme must be http or https"),
        Arguments.of("{\"url\": \"/relative\"}", "scheme must be http or https"),
        Arguments.of("{\"url\": \"https://localhost/a\\r\\nX: y\"}", "control character"),
        Arguments.of("{\"url\": \"https://u:p@localhost/\"}", "userinfo"),
        Arguments.of(
            "{" + ok + ", \"method\": \"GE T\"}",
            "method has the prohibited byte 0x20 at position 2"),
        Arguments.of(
            "{" + ok + ", \"method\": \"GET\\r\\nX: y\"}",
            "method has the prohibited byte 0x0d at position 3"),
        Arguments.of(
            "{" + ok + ", \"headers\": {\"X-A\": \"v\\r\\nX-B: w\"}}",
            "'X-A' has the prohibited byte 0x0d at position 1"),
        Arguments.of(
            "{" + ok + ", \"headers\": {\"X A\": \"v\"}}",
            "name number 1 has the prohibited byte 0x20"),
        Arguments.of("{" + ok + ", \"headers\": {\"X-A\": 5}}", "must be a string"),
        Arguments.of("{" + ok + ", \"headers\": [\"X-A\"]}", "headers must be an object"),
        Arguments.of("{" + ok + ", \"body\": \"a\", \"bodyBase64\": \"YQ==\"}", "not both"),
        Arguments.of("{" + ok + ", \"bodyBase64\": \"***\"}", "not valid base64"),
        Arguments.of("{" + ok + ", \"header\": {}}", "unknown field 'header'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void invalidRequestsAre400WithACodeAndAMessageAndReachNoUpstream(String body, String message) {
    int before = https.total();
    Resp r = client.fetchRaw(body).await();
    assertEquals(400, r.status(), r.body().toString());
    assertEquals("BAD_REQUEST", r.json().getString("error"));
    assertTrue(r.json().getString("message").contains(message), r.json().getString("message"));
    assertNotNull(r.header("X-Request-Id"));
    assertEquals(before, https.total());
  }
}
