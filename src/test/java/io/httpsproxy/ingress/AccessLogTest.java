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
      assertEquals(proxy.node().nodeId(), j.getString("node"));
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
}
