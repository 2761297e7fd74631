package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.httpsproxy.security.Target;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** One JSON line per request and tunnel, with the right fields, that no client input can forge. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessLogTest {
  @TempDir Path dir;

  private static List<String> capture(Runnable traffic, int expected) throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      traffic.run();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (lines.list.size() < expected && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(200); // and no more than expected
      return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    } finally {
      logger.detachAppender(lines);
    }
  }

  @Test
  void writesOneLinePerRequestWithTheFieldsAndNoPathByDefault() throws Exception {
    try (HttpsUpstream upstream = HttpsUpstream.http();
        ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null))) {
      List<String> lines =
          capture(() -> proxy.client().get(upstream.url("/echo/secret?token=abc")).await(), 1);

      assertEquals(1, lines.size(), lines.toString());
      JsonObject j = new JsonObject(lines.get(0));
      assertEquals("127.0.0.1", j.getString("client"));
      assertEquals("GET", j.getString("method"));
      assertEquals("http", j.getString("scheme"));
      assertEquals("localhost", j.getString("host"));
      assertEquals(upstream.port(), j.getInteger("port"));
      assertEquals(200, j.getInteger("status"));
      assertEquals("SUCCESS", j.getString("outcome"));
      assertEquals(proxy.node().nodeName(), j.getString("node"));
      assertEquals(32, j.getString("id").length());
      assertTrue(j.getLong("bytesOut") > 0);
      for (String k : List.of("time", "bytesIn", "queueMs", "upstreamMs", "totalMs")) {
        assertTrue(j.containsKey(k), k);
      }
      assertFalse(lines.get(0).contains("secret"), "no path unless accessLogPaths");
      assertFalse(lines.get(0).contains("token=abc"), "no query unless accessLogPaths");
    }
  }

  @Test
  void aJsonApiLineNamesTheUpstreamMethodNotThePostThatCarriedIt() throws Exception {
    try (HttpsUpstream upstream = HttpsUpstream.http();
        ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null))) {
      String fetch =
          new JsonObject()
              .put("url", upstream.url("/echo"))
              .put("method", "PUT")
              .put("body", "x")
              .encode();
      List<String> lines =
          capture(() -> assertEquals(200, proxy.client().fetchRaw(fetch).await().status()), 1);

      assertEquals(1, lines.size(), lines.toString());
      JsonObject j = new JsonObject(lines.get(0));
      assertEquals("PUT", j.getString("method"));
      assertEquals(upstream.port(), j.getInteger("port"));
    }
  }

  @Test
  void injectedControlCharactersCannotForgeASecondLine() throws Exception {
    try (HttpsUpstream upstream = HttpsUpstream.http();
        ProxyHarness proxy =
            ProxyHarness.start(ProxyFixture.baseConfig(null, null).put("accessLogPaths", true))) {
      String esc = "\u001b[31m";
      List<String> lines =
          capture(
              () -> {
                try {
                  // a raw ESC in the path, a header with an ANSI sequence, a %0d%0a in the path
                  RawHttp.exchange(
                      proxy.port(),
                      "GET http://localhost:"
                          + upstream.port()
                          + "/echo/a%0d%0a{\"forged\":1}"
                          + esc
                          + " HTTP/1.1\r\nHost: x\r\nUser-Agent: "
                          + esc
                          + "evil\r\n\r\n",
                      500);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              1);

      assertEquals(1, lines.size(), lines.toString());
      String line = lines.get(0);
      assertFalse(line.contains("\u001b"), line);
      assertFalse(line.contains("\n") || line.contains("\r"), line);
      new JsonObject(line); // still one valid JSON object
      assertFalse(line.contains("evil"), "headers are never logged");
    }
  }

  @Test
  void cleaningCutsLongFieldsAndEscapesWhatJsonWouldNot() {
    AccessLog.Entry e =
        new AccessLog.Entry(
            0,
            "id",
            "127.0.0.1",
            "u\u2028ser",
            "GET",
            new Target(false, "h".repeat(1000), 80, "/p\r\n{\"x\":1}\u0085"),
            200,
            "SUCCESS",
            0,
            0,
            0,
            0,
            0,
            null,
            null);
    String host = AccessLog.clean(e.target().host());
    String path = new JsonObject().put("p", AccessLog.clean(e.target().pathAndQuery())).encode();

    assertEquals(AccessLog.MAX_FIELD + 3, host.length());
    assertFalse(path.contains("\r") || path.contains("\n") || path.contains("\u0085"), path);
    assertFalse(AccessLog.clean(e.user()).contains("\u2028"));
  }

  @Test
  void writesToAFileWhenConfigured() throws Exception {
    Path file = dir.resolve("access.log");
    try (HttpsUpstream upstream = HttpsUpstream.http();
        ProxyHarness proxy =
            ProxyHarness.start(
                ProxyFixture.baseConfig(null, null).put("accessLog", file.toString()))) {
      proxy.client().get(upstream.url("/echo/file")).await();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while ((!Files.exists(file) || Files.readString(file).isEmpty())
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      List<String> lines = Files.readAllLines(file);
      assertEquals(1, lines.size(), lines.toString());
      assertEquals(200, new JsonObject(lines.get(0)).getInteger("status"));
    } finally {
      AccessLog.configure("off");
      restoreStdout();
    }
  }

  /** Puts logback.xml's own appender back for the tests that follow in this JVM. */
  private static void restoreStdout() throws Exception {
    ch.qos.logback.classic.LoggerContext ctx =
        (ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory();
    Logger logger = ctx.getLogger(AccessLog.LOGGER);
    logger.detachAndStopAllAppenders();
    logger.setLevel(null);
    logger.setAdditive(true);
  }

  /** The line as the first version built it: a JsonObject encoded by Jackson. */
  private static String jacksonLine(AccessLog.Entry e, boolean paths, String node) {
    JsonObject j =
        new JsonObject()
            .put("time", java.time.Instant.ofEpochMilli(e.acceptedAtMs()).toString())
            .put("id", e.id())
            .put("client", AccessLog.clean(e.client()))
            .put("user", AccessLog.clean(e.user()))
            .put("method", AccessLog.clean(e.method()));
    Target t = e.target();
    if (t != null) {
      j.put("scheme", t.https() ? "https" : "http")
          .put("host", AccessLog.clean(t.host()))
          .put("port", t.port());
      if (paths && t.pathAndQuery() != null) {
        j.put("path", AccessLog.clean(t.pathAndQuery()));
      }
    }
    j.put("status", e.status())
        .put("outcome", e.outcome())
        .put("bytesIn", e.bytesIn())
        .put("bytesOut", e.bytesOut())
        .put("queueMs", e.queueMs())
        .put("upstreamMs", e.upstreamMs())
        .put("totalMs", e.totalMs())
        .put("node", e.node() != null ? e.node() : node);
    if (e.cache() != null) {
      j.put("cache", e.cache());
    }
    return j.encode();
  }

  @Test
  void linesAreByteForByteWhatJacksonWrites() {
    java.util.Random random = new java.util.Random(6);
    String[] samples = {
      null,
      "",
      "plain",
      "q\"uote",
      "back\\slash",
      "\u0000\u0001\b\t\n\u000b\f\r\u001f",
      "\u007f\u0080\u009f\u00a0",
      "\u2028\u2029",
      "Grüße 世界 🌍",
      "\ud800 lone",
      "/slash/",
      "x".repeat(300),
      "\u001b[31m"
    };
    for (int n = 0; n < 5_000; n++) {
      String a = n < samples.length ? samples[n] : randomText(random);
      String b = randomText(random);
      Target target =
          n % 7 == 0
              ? null
              : new Target(n % 2 == 0, a == null ? "h" : a, 1 + n % 65535, n % 3 == 0 ? null : b);
      AccessLog.Entry e =
          new AccessLog.Entry(
              random.nextLong() & 0xffffffffffffL,
              n % 5 == 0 ? a : "id" + n,
              a,
              n % 4 == 0 ? null : b,
              a == null ? "GET" : a,
              target,
              100 + n % 500,
              n % 2 == 0 ? "SUCCESS" : "UPSTREAM_TLS",
              random.nextInt(),
              random.nextLong(),
              n,
              -n,
              Long.MAX_VALUE - n,
              n % 3 == 0 ? null : b,
              n % 2 == 0 ? null : "hit");
      for (boolean paths : new boolean[] {false, true}) {
        String expected = jacksonLine(e, paths, "node-1");
        assertEquals(expected, new AccessLog(paths, "node-1").line(e), "entry " + n);
      }
    }
  }

  private static String randomText(java.util.Random random) {
    StringBuilder s = new StringBuilder();
    int len = random.nextInt(20);
    for (int i = 0; i < len; i++) {
      int kind = random.nextInt(4);
      s.append(
          (char)
              switch (kind) {
                case 0 -> random.nextInt(0x40);
                case 1 -> 0x20 + random.nextInt(0x60);
                case 2 -> 0x7f + random.nextInt(0x30);
                default -> random.nextInt(0x10000);
              });
    }
    return s.toString();
  }
}
