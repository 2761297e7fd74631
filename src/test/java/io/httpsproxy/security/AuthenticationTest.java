package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.ingress.AccessLog;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Authentication on every path (absolute form, CONNECT, the JSON API), checked once before
 * dispatch: the client's answer, and through the recording upstream that no credential reached it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthenticationTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static Path dir;
  private static String token;
  private static HttpsUpstream upstream;
  private static ProxyHarness proxy;
  private static final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("auth-test");
    Path creds = dir.resolve("credentials");
    token = PasswordHash.newToken();
    CredentialsFile.write(
        creds,
        List.of(
            PasswordHash.newPassword("alice", PASSWORD.toCharArray()),
            PasswordHash.tokenEntry("ci", token)));
    upstream = HttpsUpstream.http();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null).put("credentialsFile", creds.toString()));
    accessLines.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(accessLines);
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(accessLines);
    proxy.close();
    upstream.close();
  }

  private static String basic(String user, String pw) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes());
  }

  private static MultiMap headers(String... nv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nv.length; i += 2) {
      m.add(nv[i], nv[i + 1]);
    }
    return m;
  }

  private static Resp get(String path, MultiMap headers) {
    return proxy.client().forward(HttpMethod.GET, upstream.url(path), headers, null).await();
  }

  private static Resp api(String path, MultiMap headers) {
    JsonObject req = new JsonObject().put("url", upstream.url(path));
    return proxy.client().local(HttpMethod.POST, "/api/v1/fetch", headers, req.toBuffer()).await();
  }

  @Test
  void forwardWithoutCredentialsGets407WithAChallengeAndNothingReachesUpstream() {
    int before = upstream.total();
    Resp r = get("/echo/none", headers());

    assertEquals(407, r.status());
    assertEquals("Basic realm=\"https-proxy\", charset=\"UTF-8\"", r.header("Proxy-Authenticate"));
    assertEquals("PROXY_AUTH_REQUIRED", r.header("X-Proxy-Error"));
    assertEquals(before, upstream.total());
  }

  @Test
  void aWrongPasswordGets407AndIsNeverEchoed() {
    int before = upstream.total();
    Resp r = get("/echo/wrong", headers("Proxy-Authorization", basic("alice", "hunter2")));

    assertEquals(407, r.status());
    String answer = r.headers().toString() + r.body();
    assertFalse(answer.contains("hunter2"));
    assertFalse(answer.contains(basic("alice", "hunter2").substring(6)));
    assertEquals(before, upstream.total());
  }

  @Test
  void theRightPasswordPassesAndNeverReachesUpstream() {
    Resp r = get("/echo/ok", headers("Proxy-Authorization", basic("alice", PASSWORD)));
    Resp again = get("/echo/ok2", headers("Proxy-Authorization", basic("alice", PASSWORD)));

    assertEquals(200, r.status());
    assertEquals(200, again.status());
    assertNull(upstream.last().headers().get("proxy-authorization"));
    assertFalse(r.body().toString().contains(PASSWORD));
  }

  @Test
  void connectWithoutCredentialsGets407() throws Exception {
    String answer =
        RawHttp.exchange(
            proxy.port(),
            "CONNECT localhost:" + upstream.port() + " HTTP/1.1\r\nHost: x\r\n\r\n",
            1000);

    assertEquals(407, RawHttp.status(answer), answer);
    assertTrue(answer.contains("Proxy-Authenticate: Basic realm=\"https-proxy\""), answer);
  }

  @Test
  void connectWithCredentialsPassesTheGate() throws Exception {
    String answer =
        RawHttp.exchange(
            proxy.port(),
            "CONNECT localhost:"
                + upstream.port()
                + " HTTP/1.1\r\nHost: x\r\nProxy-Authorization: "
                + basic("alice", PASSWORD)
                + "\r\n\r\n",
            1000);

    // Past authentication; the port is not in connectPorts, so the destination rule answers.
    assertEquals(403, RawHttp.status(answer), answer);
    assertTrue(answer.contains("connectPorts"), answer);
  }

  @Test
  void theApiWithoutCredentialsGets401WithAChallenge() {
    int before = upstream.total();
    Resp r = api("/echo/api-none", headers());

    assertEquals(401, r.status());
    assertTrue(r.header("WWW-Authenticate").startsWith("Basic realm=\"https-proxy\""));
    assertTrue(r.header("WWW-Authenticate").contains("Bearer"));
    assertEquals(before, upstream.total());
  }

  @Test
  void theApiAcceptsABearerTokenAndNeverForwardsIt() {
    Resp r = api("/echo/api-bearer", headers("Authorization", "Bearer " + token));

    assertEquals(200, r.status());
    assertNull(upstream.last().headers().get("authorization"));
    assertFalse(r.body().toString().contains(token));
  }

  @Test
  void theApiAcceptsBasicAndRefusesAWrongToken() {
    assertEquals(
        200, api("/echo/api-basic", headers("Authorization", basic("alice", PASSWORD))).status());
    assertEquals(
        401, api("/echo/api-bad", headers("Authorization", "Bearer " + token + "x")).status());
    assertEquals(
        401,
        api("/echo/api-proxyauth", headers("Proxy-Authorization", basic("alice", PASSWORD)))
            .status());
  }

  @Test
  void healthStaysOpenAndStatsIsOpenToLoopback() {
    assertEquals(200, proxy.admin().local(HttpMethod.GET, "/health", null).await().status());
    assertEquals(200, proxy.admin().local(HttpMethod.GET, "/stats", null).await().status());
  }

  @Test
  void refusalsAreCountedAndCredentialsNeverReachTheAccessLog() throws InterruptedException {
    get("/echo/log", headers("Proxy-Authorization", basic("alice", "hunter2")));
    api("/echo/log-api", headers("Authorization", "Bearer " + token));
    // the line is written just after the answer: wait for it
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (accessLines.list.stream().noneMatch(e -> e.getFormattedMessage().contains("log-api"))
        && accessLines.list.stream()
            .noneMatch(e -> e.getFormattedMessage().contains("\"user\":\"ci\""))
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    assertTrue(proxy.node().stats().count(FailureCode.PROXY_AUTH_REQUIRED) >= 1);
    for (ILoggingEvent e : accessLines.list) {
      String line = e.getFormattedMessage();
      assertFalse(line.contains("hunter2"), line);
      assertFalse(line.contains(PASSWORD), line);
      assertFalse(line.contains(token), line);
      assertFalse(line.contains(basic("alice", "hunter2").substring(6)), line);
    }
    assertTrue(
        accessLines.list.stream()
            .anyMatch(e -> e.getFormattedMessage().contains("\"user\":\"ci\"")));
  }
}
