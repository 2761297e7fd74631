package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Absolute-form forward-proxy requests against real HTTP and HTTPS upstreams. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ForwardProxyTest {
  private static TestCa ca;
  private static HttpsUpstream https;
  private static HttpsUpstream http;
  private static ProxyHarness proxy;
  private static ProxyClient client;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("forward-test");
    https = HttpsUpstream.https(ca.issue("localhost"));
    http = HttpsUpstream.http();
    proxy = ProxyHarness.start(ProxyFixture.baseConfig(ca, null));
    client = proxy.client();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    https.close();
    http.close();
  }

  private static HttpsUpstream upstream(String scheme) {
    return scheme.equals("https") ? https : http;
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "https, GET",
    "https, POST",
    "https, PUT",
    "https, DELETE",
    "https, PATCH",
    "http, GET",
    "http, POST",
    "http, PUT",
    "http, DELETE"
  })
  void forwardsMethodPathQueryAndBody(String scheme, String method) {
    HttpsUpstream up = upstream(scheme);
    Buffer body =
        method.equals("GET") || method.equals("DELETE") ? null : Buffer.buffer("payload-" + method);
    Resp r =
        client.forward(HttpMethod.valueOf(method), up.url("/echo/x?q=1&r=%20"), null, body).await();

    assertEquals(200, r.status());
    JsonObject echo = r.json();
    assertEquals(method, echo.getString("method"));
    assertEquals("/echo/x?q=1&r=%20", echo.getString("uri"));
    String sent = new String(Base64.getDecoder().decode(echo.getString("bodyBase64")));
    assertEquals(body == null ? "" : body.toString(), sent);
    assertEquals("echo", r.header("X-Upstream"));
    assertNotNull(r.header("X-Request-Id"));
  }

  @Test
  void deleteWithBodyIsForwarded() {
    Resp r =
        client.forward(HttpMethod.DELETE, https.url("/echo"), null, Buffer.buffer("gone")).await();
    assertEquals("gone", new String(Base64.getDecoder().decode(r.json().getString("bodyBase64"))));
  }

  @Test
  void headGetsHeadersAndContentLengthButNoBody() {
    Resp r = client.forward(HttpMethod.HEAD, https.url("/bytes/1234"), null, null).await();
    assertEquals(200, r.status());
    assertEquals("1234", r.header("Content-Length"));
    assertEquals(0, r.body().length());
  }

  @Test
  void endToEndHeadersPassAndHopByHopHeadersAreRemovedUpstream() {
    MultiMap h =
        MultiMap.caseInsensitiveMultiMap()
            .add("X-Custom", "one")
            .add("X-Custom", "two")
            .add("Connection", "X-Drop-Me")
            .add("X-Drop-Me", "secret")
            .add("Keep-Alive", "timeout=5")
            .add("Proxy-Authorization", "Basic dXNlcjpwYXNz")
            .add("Proxy-Connection", "keep-alive")
            .add("TE", "trailers")
            .add("Upgrade", "websocket")
            .add("User-Agent", "ua-test/1");
    Resp r = client.forward(HttpMethod.GET, https.url("/echo"), h, null).await();

    List<String> names = new ArrayList<>();
    List<String> custom = new ArrayList<>();
    for (Object o : r.json().getJsonArray("headers")) {
      JsonArray kv = (JsonArray) o;
      names.add(kv.getString(0).toLowerCase());
      if (kv.getString(0).equalsIgnoreCase("x-custom")) {
        custom.add(kv.getString(1));
      }
    }
    assertEquals(List.of("one", "two"), custom);
    assertTrue(names.contains("user-agent"));
    for (String hop :
        List.of(
            "x-drop-me",
            "keep-alive",
            "proxy-authorization",
            "proxy-connection",
            "te",
            "upgrade")) {
      assertFalse(names.contains(hop), hop + " reached the upstream");
    }
    HttpsUpstream.Received got = https.last();
    assertEquals(List.of("ua-test/1"), got.headers().get("user-agent"));
    assertEquals(List.of("localhost:" + https.port()), got.headers().get("host"));
  }

  @Test
  void hopByHopResponseHeadersAreRemovedAndSetCookieIsNotMerged() {
    Resp r = client.get(https.url("/hop")).await();
    assertEquals(200, r.status());
    assertEquals("kept", r.header("X-End"));
    assertNull(r.header("X-Hop-Secret"));
    assertNull(r.header("Keep-Alive"));
    assertNull(r.header("Proxy-Authenticate"));
    assertNull(r.header("Upgrade"));
    assertEquals(List.of("a=1; Path=/", "b=2; Path=/"), r.headers().getAll("Set-Cookie"));
  }

  @Test
  void upstreamStatusAndBodyArePassedThrough() {
    Resp r = client.get(https.url("/status/418")).await();
    assertEquals(418, r.status());
    assertEquals("status 418", r.body().toString());
    assertNull(r.header("X-Proxy-Error"));
  }

  @Test
  void redirectsAreReturnedNotFollowed() {
    int before = https.count("/echo");
    Resp r = client.get(https.url("/redirect")).await();
    assertEquals(302, r.status());
    assertEquals("/echo", r.header("Location"));
    assertEquals(before, https.count("/echo"));
  }

  @Test
  void binaryBodiesSurviveUnchanged() {
    Resp r = client.get(https.url("/binary")).await();
    byte[] b = r.body().getBytes();
    assertEquals(256, b.length);
    for (int i = 0; i < 256; i++) {
      assertEquals((byte) i, b[i]);
    }
  }

  @Test
  void malformedTargetsAre400AndNeverReachAnUpstream() throws Exception {
    int before = https.total() + http.total();
    Resp userinfo = client.get("http://user@localhost:" + http.port() + "/echo").await();
    assertEquals(400, userinfo.status());
    assertEquals("BAD_REQUEST", userinfo.header("X-Proxy-Error"));
    assertTrue(userinfo.json().getString("message").contains("userinfo"));
    String badPort =
        RawHttp.exchange(
            proxy.port(),
            "GET http://localhost:99999/echo HTTP/1.1\r\nHost: localhost\r\n\r\n",
            1000);
    assertEquals(400, RawHttp.status(badPort));
    assertTrue(badPort.contains("url port must be 1-65535"));
    assertEquals(before, https.total() + http.total());
  }

  @Test
  void unknownOriginFormPathIs404WithJsonError() {
    Resp r = client.local(HttpMethod.GET, "/nope", null).await();
    assertEquals(404, r.status());
    assertEquals("NOT_FOUND", r.json().getString("error"));
  }
}
