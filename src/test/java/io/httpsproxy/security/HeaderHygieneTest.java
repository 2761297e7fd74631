package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.protocol.Header;
import io.vertx.core.MultiMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hop-by-hop headers stop at the proxy (RFC 9110 section 7.6.1); end-to-end ones pass intact. */
class HeaderHygieneTest {

  private static MultiMap headers(String... nameValue) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.add(nameValue[i], nameValue[i + 1]);
    }
    return m;
  }

  private static List<String> names(List<Header> headers) {
    return headers.stream().map(Header::name).toList();
  }

  @Test
  void hopByHopHeadersAreRemovedInBothDirections() {
    MultiMap m =
        headers(
            "Connection", "keep-alive",
            "Keep-Alive", "timeout=5",
            "Proxy-Connection", "keep-alive",
            "Proxy-Authenticate", "Basic",
            "Proxy-Authorization", "Basic dXNlcjpwYXNz",
            "TE", "trailers",
            "Trailer", "X-Checksum",
            "Transfer-Encoding", "chunked",
            "Upgrade", "websocket",
            "Accept", "*/*");

    assertEquals(List.of(new Header("Accept", "*/*")), HeaderHygiene.forUpstream(m));
    assertEquals(List.of(new Header("Accept", "*/*")), HeaderHygiene.forClient(m));
  }

  @Test
  void hopByHopNamesMatchWhateverTheirCase() {
    MultiMap m = headers("TRANSFER-ENCODING", "chunked", "keep-ALIVE", "1", "X-Ok", "1");

    assertEquals(List.of("X-Ok"), names(HeaderHygiene.forClient(m)));
  }

  @Test
  void neverForwardsProxyAuthorization() {
    List<Header> out =
        HeaderHygiene.forUpstream(
            List.of(new Header("proxy-authorization", "Bearer secret"), new Header("X-A", "1")));

    assertEquals(List.of(new Header("X-A", "1")), out);
  }

  @Test
  void headersNamedInConnectionAreRemovedCaseInsensitively() {
    MultiMap m =
        headers(
            "Connection", "close, X-Foo ,,x-BAR",
            "connection", "X-Baz",
            "x-foo", "1",
            "X-Bar", "2",
            "X-BAZ", "3",
            "X-Kept", "4");

    assertEquals(List.of(new Header("X-Kept", "4")), HeaderHygiene.forUpstream(m));
    assertEquals(List.of(new Header("X-Kept", "4")), HeaderHygiene.forClient(m));
  }

  @Test
  void manyNamesInConnectionAreAllRemoved() {
    for (int count : new int[] {1, 7, 8, 9, 40}) {
      StringBuilder connection = new StringBuilder("close");
      MultiMap m = MultiMap.caseInsensitiveMultiMap();
      for (int i = 0; i < count; i++) {
        connection.append(", X-Named-").append(i);
        m.add(i % 2 == 0 ? "x-named-" + i : "X-NAMED-" + i, "v");
      }
      m.add("Connection", connection.toString()).add("X-Kept", "4");
      assertEquals(List.of(new Header("X-Kept", "4")), HeaderHygiene.forClient(m), "" + count);
      assertEquals(List.of(new Header("X-Kept", "4")), HeaderHygiene.forUpstream(m), "" + count);
    }
  }

  @Test
  void connectionCanNameAnOtherwiseEndToEndHeader() {
    MultiMap m = headers("Connection", "Cache-Control", "Cache-Control", "no-cache", "Age", "3");

    assertEquals(List.of(new Header("Age", "3")), HeaderHygiene.forClient(m));
  }

  @Test
  void hostContentLengthAndExpectAreDroppedForUpstreamOnly() {
    MultiMap m =
        headers(
            "Host", "example.com",
            "Content-Length", "5",
            "Expect", "100-continue",
            "Content-Type", "text/plain");

    assertEquals(List.of(new Header("Content-Type", "text/plain")), HeaderHygiene.forUpstream(m));
    assertEquals(
        List.of("Host", "Content-Length", "Expect", "Content-Type"),
        names(HeaderHygiene.forClient(m)));
  }

  @Test
  void regeneratedHeadersAreDroppedWhateverTheirCase() {
    List<Header> out =
        HeaderHygiene.forUpstream(
            List.of(
                new Header("HOST", "h"),
                new Header("content-length", "1"),
                new Header("EXPECT", "100-continue"),
                new Header("X-A", "1")));

    assertEquals(List.of(new Header("X-A", "1")), out);
  }

  @Test
  void repeatedSetCookieValuesStaySeparateAndInOrder() {
    MultiMap m =
        headers(
            "Set-Cookie", "a=1; Path=/",
            "Content-Type", "text/html",
            "Set-Cookie", "b=2, c=3; Expires=Wed, 21 Oct 2015 07:28:00 GMT");

    List<Header> out = HeaderHygiene.forClient(m);

    List<Header> cookies = out.stream().filter(h -> h.name().equals("Set-Cookie")).toList();
    assertEquals(
        List.of(
            new Header("Set-Cookie", "a=1; Path=/"),
            new Header("Set-Cookie", "b=2, c=3; Expires=Wed, 21 Oct 2015 07:28:00 GMT")),
        cookies);
    assertEquals(3, out.size());
  }

  @Test
  void endToEndHeadersKeepTheirNameCaseValueAndOrder() {
    List<Header> in =
        List.of(
            new Header("X-First", "1"),
            new Header("accept", "text/html"),
            new Header("X-Dup", "a"),
            new Header("X-Dup", "b"),
            new Header("Authorization", "Bearer t"));

    assertEquals(in, HeaderHygiene.forUpstream(in));
  }

  @Test
  void emptyHeadersGiveAnEmptyList() {
    assertTrue(HeaderHygiene.forUpstream(MultiMap.caseInsensitiveMultiMap()).isEmpty());
    assertTrue(HeaderHygiene.forClient(MultiMap.caseInsensitiveMultiMap()).isEmpty());
    assertTrue(HeaderHygiene.forUpstream(List.of()).isEmpty());
  }

  @Test
  void listAndMultiMapFormsDropTheSameHeadersWhateverTheCase() {
    String[] nameValue = {
      "Host", "a", "CONNECTION", "X-Drop-Me, close", "x-drop-me", "1", "X-Keep", "2",
      "Content-LENGTH", "3", "eXpEcT", "100-continue", "Keep-Alive", "5", "Via", "1.1 x",
      "X-Ünïcødé", "6", "Te", "trailers"
    };
    MultiMap m = headers(nameValue);
    List<Header> list = new java.util.ArrayList<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      list.add(new Header(nameValue[i], nameValue[i + 1]));
    }

    List<Header> expected =
        List.of(
            new Header("X-Keep", "2"), new Header("Via", "1.1 x"), new Header("X-Ünïcødé", "6"));
    assertEquals(expected, HeaderHygiene.forUpstream(m));
    assertEquals(expected, HeaderHygiene.forUpstream(list));
    assertEquals(
        List.of("Host", "X-Keep", "Content-LENGTH", "eXpEcT", "Via", "X-Ünïcødé"),
        names(HeaderHygiene.forClient(m)));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"HTTP2-Settings", "http2-settings", "HTTP2-SETTINGS"})
  void http2SettingsNeverReachesTheNextHop(String name) {
    MultiMap m = headers(name, "AAMAAABkAAQAAP__", "Accept", "*/*");

    assertEquals(List.of("Accept"), names(HeaderHygiene.forUpstream(m)));
    assertEquals(List.of("Accept"), names(HeaderHygiene.forClient(m)));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"X_Forwarded_For", "x_real_ip", "My_Header", "_", "X-Forwarded_For", "Host_"})
  void requestHeadersWithAnUnderscoreAreDroppedFromBothKindsOfRequest(String name) {
    MultiMap m = headers(name, "10.0.0.1", "X-Normal", "ok");

    assertEquals(List.of("X-Normal"), names(HeaderHygiene.forUpstream(m)));
    assertEquals(
        List.of("X-Normal"),
        names(
            HeaderHygiene.forUpstream(
                List.of(new Header(name, "10.0.0.1"), new Header("X-Normal", "ok")))));
  }

  @Test
  void responseHeadersWithAnUnderscorePass() {
    MultiMap m = headers("X_Backend_Id", "7");

    assertEquals(List.of("X_Backend_Id"), names(HeaderHygiene.forClient(m)));
  }
}
