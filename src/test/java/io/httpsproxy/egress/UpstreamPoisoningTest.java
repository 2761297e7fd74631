package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawUpstream;
import io.httpsproxy.testing.RawUpstream.Reply;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Response-queue poisoning (issue #12 item 9): an upstream connection that receives bytes nobody
 * asked for (an unsolicited response, bytes past a response's framing, noise while it is idle in
 * the pool) is closed and never given to the next request, whose answer is then its own, from a new
 * connection. One event loop, so every request shares one upstream pool and a connection that is
 * not closed is reused (the control case proves it).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UpstreamPoisoningTest {
  private static final String POISON = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npoison";
  private static final String FIRST = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";
  private static final String CHUNKED =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n0\r\n\r\n";

  /** A name, the method of the first request, its status, and what the upstream answers it. */
  private record Case(String name, String method, int status, Reply reply) {}

  private static final List<Case> CASES =
      List.of(
          new Case("second response in the same write", "GET", 200, Reply.of(FIRST + POISON)),
          new Case("second response 100 ms later", "GET", 200, Reply.of(FIRST).then(100, POISON)),
          new Case("bytes after the Content-Length body", "GET", 200, Reply.of(FIRST + "XYZ")),
          new Case("a line after the Content-Length body", "GET", 200, Reply.of(FIRST + "X\r\n")),
          new Case("bytes after the chunked terminator", "GET", 200, Reply.of(CHUNKED + "XYZ")),
          new Case("response after the chunked terminator", "GET", 200, Reply.of(CHUNKED + POISON)),
          new Case("bytes while idle in the pool", "GET", 200, Reply.of(FIRST).then(100, "X")),
          new Case("CRLF while idle in the pool", "GET", 200, Reply.of(FIRST).then(100, "\r\n")),
          new Case(
              "a body after a 204",
              "GET",
              204,
              Reply.of("HTTP/1.1 204 No Content\r\n\r\n" + POISON)),
          new Case(
              "a body after a 304",
              "GET",
              304,
              Reply.of("HTTP/1.1 304 Not Modified\r\n\r\npoison")),
          new Case(
              "a body after a HEAD answer",
              "HEAD",
              200,
              Reply.of("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npoison")));

  private static RawUpstream upstream;
  private static ProxyHarness proxy;
  private static ProxyClient client;

  @BeforeAll
  static void start() throws Exception {
    upstream =
        RawUpstream.start(
            r -> {
              String p = r.path();
              if (p.startsWith("/case/")) {
                return CASES.get(Integer.parseInt(p.substring(6))).reply();
              }
              return Reply.ok(p.substring(1));
            });
    proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null).put("eventLoops", 1));
    client = proxy.client();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    upstream.close();
  }

  static Stream<Arguments> cases() {
    return Stream.of(false, true)
        .flatMap(api -> IntStream.range(0, CASES.size()).mapToObj(i -> Arguments.of(i, api)));
  }

  @Test
  void aWellBehavedConnectionIsReused() {
    Resp a = call("GET", "/clean-a", false);
    Resp b = call("GET", "/clean-b", true);
    assertEquals("clean-a", a.body().toString());
    assertEquals("clean-b", b.json().getString("body"));
    assertEquals(last("/clean-a").conn(), last("/clean-b").conn(), "one pooled connection");
  }

  @ParameterizedTest(name = "[{index}] case {0}, api={1}")
  @MethodSource("cases")
  void bytesNobodyAskedForCloseTheConnectionAndTheNextRequestGetsItsOwnAnswer(int i, boolean api)
      throws Exception {
    Case c = CASES.get(i);
    Resp first = call(c.method(), "/case/" + i, api);
    int status = api ? first.json().getInteger("status") : first.status();
    assertEquals(c.status(), status, c.name() + ": " + first.body());
    if (c.status() == 200 && !c.method().equals("HEAD")) {
      assertEquals("first", api ? first.json().getString("body") : first.body().toString());
    }
    int conn = last("/case/" + i).conn();
    awaitClosed(conn, c.name());
    int before = upstream.connections();
    Resp next = call("GET", "/genuine-" + i, api);
    assertEquals(200, next.status(), next.body().toString());
    assertEquals("genuine-" + i, api ? next.json().getString("body") : next.body().toString());
    RawUpstream.Request seen = last("/genuine-" + i);
    assertNotEquals(conn, seen.conn(), c.name() + ": the next request went on a new connection");
    assertEquals(before + 1, upstream.connections(), "one new upstream connection");
    assertEquals(1, seen.index(), "the first request on that connection");
  }

  private static Resp call(String method, String path, boolean api) {
    if (api) {
      return client
          .fetch(new JsonObject().put("url", upstream.url(path)).put("method", method))
          .await();
    }
    return client.forward(HttpMethod.valueOf(method), upstream.url(path), null, null).await();
  }

  private static RawUpstream.Request last(String path) {
    List<RawUpstream.Request> all = upstream.requests();
    for (int k = all.size() - 1; k >= 0; k--) {
      if (all.get(k).path().equals(path)) {
        return all.get(k);
      }
    }
    throw new AssertionError("the upstream never saw " + path);
  }

  private static void awaitClosed(int conn, String name) throws InterruptedException {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (upstream.closedAt(conn) == null && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertNotNull(upstream.closedAt(conn), name + ": the proxy closed the connection");
  }
}
