package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two logs ship apart (issue #16 item 6): the application log on stderr, as JSON with {@code
 * logFormat json}, the access log on stdout; neither stream carries a line of the other. The jar
 * runs as a real process, serves a few requests (one refused) and drains on SIGTERM, so the stderr
 * lines include start-up, a warning-free run and the stop.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AppLogFormatIT {
  private static final int REQUESTS = 4;

  private static HttpsUpstream upstream;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    upstream = HttpsUpstream.http();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    upstream.close();
    vertx.close().await();
  }

  @Test
  void withJsonEveryApplicationLineOnStderrIsJsonAndNoAccessLineIsAmongThem() {
    JarProcess.Finished f = runAndStop("--log-format", "json", "--node-name", "json-1");

    List<JsonObject> app = json(f.stderr(), "stderr", f);
    assertTrue(app.size() >= 4, "start-up and stop lines expected\n" + f.describe());
    for (JsonObject line : app) {
      for (String field : new String[] {"time", "level", "logger", "thread", "message"}) {
        assertTrue(line.getValue(field) instanceof String, field + " in " + line.encode());
      }
      assertEquals("json-1", line.getString("node"), line.encode());
      assertFalse(line.getString("logger").equals("https-proxy.access"), line.encode());
      assertFalse(line.containsKey("outcome"), "an access line on stderr: " + line.encode());
    }
    assertTrue(
        app.stream().anyMatch(l -> l.getString("message").startsWith("https-proxy node json-1")),
        "the start-up line\n" + f.describe());
    assertTrue(app.stream().anyMatch(l -> l.getString("message").equals("stopped")));
    assertAccessLinesOnly(f);
  }

  @Test
  void withTextTheApplicationLogIsOnStderrAndStdoutHoldsOnlyAccessLines() {
    JarProcess.Finished f = runAndStop();

    assertTrue(f.stderr().contains("https-proxy node "), f.describe());
    assertTrue(f.stderr().contains(" - stopped"), f.describe());
    assertFalse(f.stderr().contains("\"outcome\""), f.describe());
    assertAccessLinesOnly(f);
  }

  /** stdout: exactly one access line per request made, each JSON with an outcome. */
  private static void assertAccessLinesOnly(JarProcess.Finished f) {
    List<JsonObject> access = json(f.stdout(), "stdout", f);
    assertEquals(REQUESTS, access.size(), f.describe());
    for (JsonObject line : access) {
      assertTrue(line.containsKey("outcome"), line.encode());
      assertFalse(line.containsKey("level"), "an application line on stdout: " + line.encode());
    }
    assertEquals(1, access.stream().filter(l -> l.getInteger("status") == 403).count());
  }

  /** Starts the jar with {@code extra}, sends the requests, stops it with SIGTERM. */
  private static JarProcess.Finished runAndStop(String... extra) {
    Path dir = JarProcess.workDir();
    try (JarProcess node = JarProcess.start(dir, Map.of(), JarProcess.nodeArgs(dir, extra))) {
      ProxyClient client = new ProxyClient(vertx, node.awaitListening(Duration.ofSeconds(30)));
      try {
        for (int i = 0; i < REQUESTS - 1; i++) {
          assertEquals(200, client.get(upstream.url("/echo/" + i)).await().status());
        }
        assertEquals(403, client.get("http://10.9.8.7/denied").await().status());
      } finally {
        client.close();
      }
      node.sigterm();
      JarProcess.Finished f = node.finish(Duration.ofSeconds(30));
      assertEquals(0, f.exitCode(), f.describe());
      return f;
    }
  }

  private static List<JsonObject> json(String stream, String name, JarProcess.Finished f) {
    List<JsonObject> out = new ArrayList<>();
    for (String line : stream.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(new JsonObject(line));
      } catch (DecodeException e) {
        throw new AssertionError("not a JSON line on " + name + ": " + line + "\n" + f.describe());
      }
    }
    return out;
  }
}
