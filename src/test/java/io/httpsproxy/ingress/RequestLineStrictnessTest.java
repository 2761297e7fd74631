package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Syntax Netty lets through, refused at the ingress (issue #12 items 6 and 7), with raw sockets:
 * empty lines (or other bytes) before a request line, protocol versions other than HTTP/1.0 and
 * HTTP/1.1, and more header lines than maxHeaderCount. Each refusal closes the connection and
 * reaches no upstream; the accepted neighbours of each case are served.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestLineStrictnessTest {
  private static HttpsUpstream upstream;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() {
    upstream = HttpsUpstream.http();
    proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    upstream.close();
  }

  private static String get(String path, String version) {
    return "GET http://localhost:"
        + upstream.port()
        + path
        + " "
        + version
        + "\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  }

  private static String raw(String request) throws IOException {
    long t0 = System.nanoTime();
    String answer = RawHttp.exchange(proxy.port(), request, 5_000);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 4_000, "the proxy closed the connection (" + ms + " ms), not the read timeout");
    return answer;
  }

  private static void assertAnswer(String answer, int status, String code, String message) {
    assertEquals(status, RawHttp.status(answer), answer);
    assertTrue(answer.contains("\"error\":\"" + code + "\""), answer);
    assertTrue(answer.contains(message), answer);
    assertTrue(answer.contains("Connection: close"), answer);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 8})
  void aFewEmptyLinesBeforeTheRequestLineAreIgnored(int lines) throws IOException {
    String path = "/echo/empty" + lines;
    String answer = raw("\r\n".repeat(lines) + get(path, "HTTP/1.1"));

    assertEquals(200, RawHttp.status(answer), answer);
    assertEquals(1, upstream.count(path));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\r\n", "\n"})
  void moreThanEightEmptyLinesAreRefused(String eol) throws IOException {
    String path = "/echo/tooempty" + eol.length();
    String answer = raw(eol.repeat(9) + get(path, "HTTP/1.1"));

    assertAnswer(answer, 400, "BAD_REQUEST", "more than 8 empty lines before the request line");
    assertEquals(0, upstream.count(path), "nothing reached the upstream");
  }

  @Test
  void emptyLinesThatTrickleInOneAtATimeAreCountedToo() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      for (int i = 0; i < 12 && !s.isClosed(); i++) {
        try {
          out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        } catch (IOException closed) {
          break; // the proxy closed after its answer: what it said is in the stream
        }
        Thread.sleep(30);
      }
      String answer = readAll(s.getInputStream());
      assertAnswer(answer, 400, "BAD_REQUEST", "empty lines before the request line");
    }
  }

  @Test
  void emptyLinesBetweenKeptAliveRequestsAreCountedPerRequest() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5_000);
      String first =
          "GET http://localhost:" + upstream.port() + "/echo/ka1 HTTP/1.1\r\nHost: l\r\n\r\n";
      assertEquals(200, RawHttp.status(RawHttp.exchange(s, first)));
      // Three empty lines after a request are fine (one is what RFC 9112 section 2.2 expects).
      String second =
          "\r\n\r\n\r\nGET http://localhost:"
              + upstream.port()
              + "/echo/ka2 HTTP/1.1\r\nHost: l\r\n\r\n";
      assertEquals(200, RawHttp.status(RawHttp.exchange(s, second)));
      s.getOutputStream().write("\r\n".repeat(20).getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      assertAnswer(readAll(s.getInputStream()), 400, "BAD_REQUEST", "more than 8 empty lines");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {" ", "\t", "\u0000", "\u0001", "\u007f", "\u001b"})
  void aRequestLineThatStartsWithAnotherByteIsRefused(String lead) throws IOException {
    String path = "/echo/lead" + (int) lead.charAt(0);
    String answer = raw(lead + get(path, "HTTP/1.1"));

    String hex = String.format("0x%02x", (int) lead.charAt(0));
    assertAnswer(answer, 400, "BAD_REQUEST", "the request line starts with the byte " + hex);
    assertEquals(0, upstream.count(path), "nothing reached the upstream");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/2.0", "HTTP/3.0", "HTTP/1.2", "HTTP/0.9", "HTTP/9.9", "HTTP/1.10"})
  void anotherHttpVersionIsRefused505(String version) throws IOException {
    String path = "/echo/v" + version.replaceAll("\\D", "");
    String answer = raw(get(path, version));

    assertAnswer(answer, 505, "VERSION_NOT_SUPPORTED", "is not supported on this connection");
    assertEquals(0, upstream.count(path), "nothing reached the upstream");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http/1.1", "Http/1.0", "FOO/1.1", "HTTPS/1.1", "ICAP/1.0"})
  void aProtocolThatIsNotSpelledHttpIsRefused400(String version) throws IOException {
    String path = "/echo/p" + Math.abs(version.hashCode());
    String answer = raw(get(path, version));

    assertAnswer(answer, 400, "BAD_REQUEST", "must end in HTTP/1.1 or HTTP/1.0");
    assertEquals(0, upstream.count(path), "nothing reached the upstream");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.1", "HTTP/1.0"})
  void http11And10AreServed(String version) throws IOException {
    String path = "/echo/ok" + version.replaceAll("\\D", "");
    String answer = raw(get(path, version));

    assertEquals(200, RawHttp.status(answer), answer);
    assertEquals(1, upstream.count(path));
  }

  @ParameterizedTest
  @ValueSource(ints = {50, 97})
  void headerLinesUpToTheLimitAreServed(int extra) throws IOException {
    // Host and Connection plus `extra`: at most the default maxHeaderCount of 100.
    String path = "/echo/hdrs" + extra;
    String answer = raw(withHeaders(path, extra, i -> "X-H" + i + ": v"));

    assertEquals(200, RawHttp.status(answer), answer);
    assertEquals(1, upstream.count(path));
  }

  @ParameterizedTest
  @ValueSource(ints = {99, 500, 900})
  void moreHeaderLinesThanMaxHeaderCountAreRefused431(int extra) throws IOException {
    String path = "/echo/many" + extra;
    // Short distinct lines and one name repeated: the count is of lines, not of names, and 900
    // of them fit in maxHeaderSize.
    assertAnswer(
        raw(withHeaders(path, extra, i -> "a" + i + ":")),
        431,
        "TOO_MANY_HEADERS",
        "more than 100 header lines (maxHeaderCount)");
    assertAnswer(
        raw(withHeaders(path, extra, i -> "X: " + i)), 431, "TOO_MANY_HEADERS", "maxHeaderCount");
    assertEquals(0, upstream.count(path), "nothing reached the upstream");
  }

  @Test
  void aPipelinedRefusalComesAfterTheAnswerBeforeIt() throws IOException {
    String first =
        "GET http://localhost:" + upstream.port() + "/echo/pipe1 HTTP/1.1\r\nHost: l\r\n\r\n";
    String answer = raw(first + get("/echo/pipe2", "HTTP/2.0"));

    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    int second = answer.indexOf("HTTP/1.1 505");
    assertTrue(second > 0, answer);
    assertEquals(1, upstream.count("/echo/pipe1"));
    assertEquals(0, upstream.count("/echo/pipe2"));
  }

  private static String withHeaders(
      String path, int extra, java.util.function.IntFunction<String> line) {
    StringBuilder b =
        new StringBuilder("GET http://localhost:" + upstream.port() + path + " HTTP/1.1\r\n");
    b.append("Host: localhost\r\nConnection: close\r\n");
    for (int i = 0; i < extra; i++) {
      b.append(line.apply(i)).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException | java.net.SocketException e) {
      // closed or quiet: take what came
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
