package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawUpstream;
import io.httpsproxy.testing.RawUpstream.Reply;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an upstream's status line does (issue #12 item 10): a status outside 100-599, a 101 nobody
 * asked for, a malformed line or another HTTP version is 502 UPSTREAM_PROTOCOL at once, and that
 * connection is closed, never pooled; interim 1xx answers are skipped and the final one relayed.
 * Every case runs through absolute-form and through the JSON API.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UpstreamStatusLineTest {
  private static final String BODY = "Content-Length: 2\r\n\r\nok";
  private static final List<String> REFUSED =
      List.of(
          "HTTP/1.1 000 Zero\r\n" + BODY,
          "HTTP/1.1 099 Low\r\n" + BODY,
          "HTTP/1.1 600 High\r\n" + BODY,
          "HTTP/1.1 999 High\r\n" + BODY,
          "HTTP/1.1 1000 Four digits\r\n" + BODY,
          "HTTP/1.1 -200 Negative\r\n" + BODY,
          "HTTP/1.1 abc Letters\r\n" + BODY,
          "HTTP/1.1 2O0 Letter O\r\n" + BODY,
          "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
          "HTTP/1.1 101 Switching Protocols\r\n\r\n",
          "garbage line\r\n\r\n",
          "HTTP/1.1\r\n\r\n",
          "HTTP/2.0 200 OK\r\n" + BODY,
          "HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\nok");
  private static final List<String[]> RELAYED =
      List.of(
          new String[] {"200", "HTTP/1.1 200\r\n" + BODY},
          new String[] {"200", "HTTP/1.1 200 \r\n" + BODY},
          new String[] {"200", "HTTP/1.0 200 OK\r\n" + BODY},
          new String[] {"200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n" + BODY},
          new String[] {"200", "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\n" + BODY},
          new String[] {
            "200", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n" + BODY
          },
          new String[] {
            "201", "HTTP/1.1 102 P\r\n\r\nHTTP/1.1 103 E\r\n\r\nHTTP/1.1 201 Created\r\n" + BODY
          },
          new String[] {"599", "HTTP/1.1 599 Last valid\r\n" + BODY},
          new String[] {"404", "HTTP/1.1 404 Not Found\r\n" + BODY});

  private static RawUpstream upstream;
  private static ProxyHarness proxy;
  private static ProxyClient client;

  @BeforeAll
  static void start() throws Exception {
    upstream =
        RawUpstream.start(
            r -> {
              String p = r.path();
              if (p.startsWith("/refused/")) {
                return Reply.of(REFUSED.get(Integer.parseInt(p.substring(9))));
              }
              if (p.startsWith("/relayed/")) {
                return Reply.of(RELAYED.get(Integer.parseInt(p.substring(9)))[1]);
              }
              return Reply.ok("genuine");
            });
    proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null).put("requestTimeout", 10.0));
    client = proxy.client();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    upstream.close();
  }

  static Stream<Arguments> refused() {
    return Stream.of(true, false)
        .flatMap(
            api ->
                java.util.stream.IntStream.range(0, REFUSED.size())
                    .mapToObj(i -> arguments(i, api)));
  }

  static Stream<Arguments> relayed() {
    return Stream.of(true, false)
        .flatMap(
            api ->
                java.util.stream.IntStream.range(0, RELAYED.size())
                    .mapToObj(i -> arguments(i, api)));
  }

  private static Arguments arguments(int i, boolean api) {
    return Arguments.of(i, api);
  }

  @ParameterizedTest(name = "[{index}] refused case {0}, api={1}")
  @MethodSource("refused")
  void aBrokenStatusLineIs502UpstreamProtocolAtOnceAndItsConnectionIsClosed(int i, boolean api)
      throws Exception {
    long t0 = System.nanoTime();
    Resp r = call("/refused/" + i, api);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(502, r.status(), REFUSED.get(i) + " -> " + r.body());
    assertEquals("UPSTREAM_PROTOCOL", r.json().getString("error"), r.body().toString());
    assertEquals("UPSTREAM_PROTOCOL", r.header("X-Proxy-Error"));
    assertTrue(ms < 1_000, "answered at once, not at the request timeout: " + ms + " ms");
    RawUpstream.Request bad = last("/refused/" + i);
    awaitClosed(bad.conn());
    Resp next = call("/genuine", api);
    assertEquals(200, next.status());
    assertEquals("genuine", api ? next.json().getString("body") : next.body().toString());
    assertTrue(last("/genuine").conn() != bad.conn(), "the next request used a new connection");
  }

  @ParameterizedTest(name = "[{index}] relayed case {0}, api={1}")
  @MethodSource("relayed")
  void aValidFinalStatusIsRelayedAfterAnyInterimOnes(int i, boolean api) throws Exception {
    Resp r = call("/relayed/" + i, api);
    int expected = Integer.parseInt(RELAYED.get(i)[0]);
    if (api) {
      assertEquals(200, r.status(), r.body().toString());
      assertEquals(expected, r.json().getInteger("status"));
      assertEquals("ok", r.json().getString("body"));
    } else {
      assertEquals(expected, r.status(), r.body().toString());
      assertEquals(null, r.header("X-Proxy-Error"));
      assertEquals("ok", r.body().toString());
    }
  }

  private static Resp call(String path, boolean api) {
    return api
        ? client.fetch(new JsonObject().put("url", upstream.url(path))).await()
        : client.get(upstream.url(path)).await();
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

  static void awaitClosed(int conn) throws InterruptedException {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (upstream.closedAt(conn) == null && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertNotNull(upstream.closedAt(conn), "the proxy closed upstream connection " + conn);
  }
}
