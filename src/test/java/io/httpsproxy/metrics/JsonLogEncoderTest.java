package io.httpsproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLogEncoderTest {
  private static final LoggerContext CTX = new LoggerContext();

  private static String encode(Level level, String message, Throwable t, Object... args) {
    LoggingEvent e =
        new LoggingEvent(
            "x",
            CTX.getLogger("https-proxy.cluster"),
            level,
            message,
            t,
            args.length == 0 ? null : args);
    e.setTimeStamp(1_764_698_400_123L);
    JsonLogEncoder enc = new JsonLogEncoder("edge-1");
    enc.setContext(CTX);
    enc.start();
    return new String(enc.encode(e), StandardCharsets.UTF_8);
  }

  @Test
  void oneObjectPerLineWithTheFormattedMessageAndTheNodeName() {
    String line = encode(Level.INFO, "cluster joined: {} members, this node {}", null, 3, "edge-1");

    assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, line);
    JsonObject j = new JsonObject(line);
    assertEquals("2025-12-02T18:00:00.123Z", j.getString("time"));
    assertEquals("INFO", j.getString("level"));
    assertEquals("https-proxy.cluster", j.getString("logger"));
    assertEquals("edge-1", j.getString("node"));
    assertEquals("cluster joined: 3 members, this node edge-1", j.getString("message"));
    assertFalse(j.containsKey("exception"));
  }

  @Test
  void aStackTraceAndControlCharactersStayInsideTheLine() {
    String line =
        encode(
            Level.ERROR,
            "bad input: {}",
            new IllegalStateException("boom\nsecond line"),
            "a\r\nb\u001b[31m");

    assertEquals(1, line.split("\n", -1).length - 1, "exactly one newline, at the end: " + line);
    JsonObject j = new JsonObject(line);
    assertEquals("bad input: a\r\nb\u001b[31m", j.getString("message"));
    assertTrue(j.getString("exception").contains("IllegalStateException: boom"), line);
    assertTrue(j.getString("exception").contains("JsonLogEncoderTest"), "the frames: " + line);
  }
}
