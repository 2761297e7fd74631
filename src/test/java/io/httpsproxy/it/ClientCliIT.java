package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.it.JarProcess.Finished;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.TestCa;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code java -jar https-proxy.jar client URL [METHOD] [server] [port]} against a real node (also
 * the jar) and real upstreams: what it prints and the exit code that says who failed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientCliIT {
  /** A client run takes about a second; a hung one fails the test instead of the build. */
  private static final Duration CLIENT_RUN = Duration.ofSeconds(6);

  private static final Duration START = Duration.ofSeconds(15);

  private static Path dir;
  private static HttpsUpstream https;
  private static HttpsUpstream http;
  private static JarProcess node;
  private static JarProcess impatientNode;
  private static int port;
  private static int impatientPort;

  @BeforeAll
  static void start() throws Exception {
    dir = JarProcess.workDir();
    TestCa ca = TestCa.create("client-it");
    https = HttpsUpstream.https(ca.issue("localhost"));
    http = HttpsUpstream.http();
    String caFile = ca.caPem().toString();
    // Both nodes boot at once; the second gives up on upstreams after half a second.
    node = JarProcess.start(dir, Map.of(), JarProcess.nodeArgs(dir, "--ca-file", caFile));
    impatientNode =
        JarProcess.start(
            dir,
            Map.of(),
            JarProcess.nodeArgs(dir, "--ca-file", caFile, "--request-timeout", "0.5"));
    port = node.awaitListening(START);
    impatientPort = impatientNode.awaitListening(START);
  }

  @AfterAll
  static void stop() {
    closeQuietly(node);
    closeQuietly(impatientNode);
    if (https != null) {
      https.close();
    }
    if (http != null) {
      http.close();
    }
  }

  private static void closeQuietly(JarProcess p) {
    if (p != null) {
      p.close();
    }
  }

  /** {@code client URL METHOD 127.0.0.1 proxyPort extra...}: never the default port 8888. */
  private static Finished client(String url, String method, int proxyPort, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("client", url, method, "127.0.0.1", "" + proxyPort));
    args.addAll(List.of(extra));
    return JarProcess.run(dir, Map.of(), CLIENT_RUN, args);
  }

  /** A path no other test uses, to find this test's request among those the upstream recorded. */
  private static String unique(String path) {
    return path + "?t=" + UUID.randomUUID();
  }

  private static HttpsUpstream.Received receivedBy(HttpsUpstream up, String uri) {
    return up.received().stream().filter(r -> r.uri().equals(uri)).findFirst().orElse(null);
  }

  @Test
  void getThroughJsonApiPrintsStatusHeadersAndBody() {
    String uri = unique("/echo");
    Finished f = client(https.url(uri), "GET", port);

    assertEquals(0, f.exitCode(), f.describe());
    assertTrue(f.stdout().startsWith("HTTP 200\n"), f.describe());
    assertTrue(f.stdout().toLowerCase(Locale.ROOT).contains("x-upstream: echo"), f.describe());
    assertTrue(f.stdout().contains("\"method\":\"GET\""), f.describe());
    assertTrue(f.stdout().contains("\"uri\":\"" + uri + "\""), f.describe());
    assertNotNull(receivedBy(https, uri), "the upstream never saw " + uri);
  }

  @Test
  void postSendsBodyAndHeadersUpstream() {
    String uri = unique("/echo");
    Finished f = client(https.url(uri), "POST", port, "-d", "hello", "-H", "X-A: b");

    assertEquals(0, f.exitCode(), f.describe());
    assertTrue(f.stdout().startsWith("HTTP 200\n"), f.describe());
    HttpsUpstream.Received got = receivedBy(https, uri);
    assertNotNull(got, "the upstream never saw " + uri);
    assertEquals("POST", got.method());
    assertEquals("hello", got.body().toString());
    assertEquals(List.of("b"), got.headers().get("x-a"));
  }

  @Test
  void forwardModeReachesPlainHttpUpstream() {
    String uri = unique("/echo");
    Finished f = client(http.url(uri), "GET", port, "--forward");

    assertEquals(0, f.exitCode(), f.describe());
    assertTrue(f.stdout().startsWith("HTTP 200\n"), f.describe());
    assertTrue(f.stdout().toLowerCase(Locale.ROOT).contains("x-upstream: echo"), f.describe());
    assertNotNull(receivedBy(http, uri), "the upstream never saw " + uri);
  }

  @Test
  void forwardModeReachesHttpsUpstream() {
    String uri = unique("/echo");
    Finished f = client(https.url(uri), "PUT", port, "--forward", "-d", "put-body");

    assertEquals(0, f.exitCode(), f.describe());
    assertTrue(f.stdout().startsWith("HTTP 200\n"), f.describe());
    HttpsUpstream.Received got = receivedBy(https, uri);
    assertNotNull(got, "the upstream never saw " + uri);
    assertEquals("PUT", got.method());
    assertEquals("put-body", got.body().toString());
  }

  @Test
  void upstreamErrorStatusExitsWith3() {
    Finished f = client(https.url("/status/500"), "GET", port);

    assertEquals(3, f.exitCode(), f.describe());
    assertTrue(f.stdout().startsWith("HTTP 500\n"), f.describe());
    assertTrue(f.stdout().contains("status 500"), f.describe());
    assertTrue(f.stderr().contains("upstream failed"), f.describe());
  }

  @Test
  void proxyTimeoutExitsWith4AndNamesTheCode() {
    Finished f = client(https.url(unique("/delay/3000")), "GET", impatientPort);

    assertEquals(4, f.exitCode(), f.describe());
    assertTrue(f.stderr().contains("proxy failed"), f.describe());
    assertTrue(f.stderr().contains("504"), f.describe());
    assertTrue(f.stderr().contains("UPSTREAM_TIMEOUT"), f.describe());
    assertEquals("", f.stdout(), f.describe());
  }

  @Test
  void noProxyListeningExitsWith5() throws IOException {
    Finished f = client(https.url("/echo"), "GET", freePort());

    assertEquals(5, f.exitCode(), f.describe());
    assertTrue(f.stderr().contains("proxy unreachable"), f.describe());
  }

  @Test
  void headerWithoutColonExitsWith2BeforeSending() throws IOException {
    int before = https.total();
    Finished f = client(https.url("/echo"), "GET", port, "-H", "nocolon");

    assertEquals(2, f.exitCode(), f.describe());
    assertTrue(f.stderr().contains("nocolon"), f.describe());
    assertEquals(before, https.total(), "a request reached the upstream");
  }

  /** A loopback port nobody listens on: bound and released at once. */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
