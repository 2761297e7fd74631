package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.security.PasswordHash;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A rejected value is never echoed (issue #12 item 2): requests whose header values, header names,
 * request line, API fields or credentials hold a planted secret are refused, and then every line
 * every logger wrote at DEBUG (application log, access log, Vert.x and Netty, with the messages of
 * any exception attached), and every answer, are searched for the secret.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LogRedactionTest {
  private static final String SECRET = "Tok3nXyzzy";
  private static final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private static final List<Logger> watched = new ArrayList<>();
  private static Level rootLevel;
  private static HttpsUpstream upstream;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() throws Exception {
    Path creds = Files.createTempDirectory("redact").resolve("credentials");
    CredentialsFile.write(
        creds, List.of(PasswordHash.newPassword("alice", "right-password".toCharArray())));
    upstream = HttpsUpstream.http();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("credentialsFile", creds.toString())
                .put("logLevel", "DEBUG"));
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLevel = root.getLevel();
    root.setLevel(Level.DEBUG);
    lines.start();
    for (String name : new String[] {org.slf4j.Logger.ROOT_LOGGER_NAME, AccessLog.LOGGER}) {
      Logger l = (Logger) LoggerFactory.getLogger(name);
      l.addAppender(lines);
      watched.add(l);
    }
  }

  @AfterAll
  static void stop() {
    watched.forEach(l -> l.detachAppender(lines));
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(rootLevel);
    proxy.close();
    upstream.close();
  }

  private static String authValue() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString("alice:right-password".getBytes(StandardCharsets.UTF_8));
  }

  private static String auth() {
    return "Proxy-Authorization: " + authValue() + "\r\n";
  }

  /** Raw heads, each with the secret where a parser or a check refuses it. */
  private static Stream<String> rejectedHeads() {
    String target = "http://localhost:" + upstream.port() + "/echo/redact";
    String head = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + auth();
    return Stream.of(
        head + "X-Api-Key: " + SECRET + "\u001b[31m\r\n\r\n",
        head + "Authorization: Bearer " + SECRET + "\u0001\r\n\r\n",
        head + "X-Token: \u007f" + SECRET + "\r\n\r\n",
        head + "X-Token: " + SECRET + "\u0000\r\n\r\n",
        head + "X-Token: a\r" + SECRET + "\r\n\r\n",
        head + SECRET + "\u0001: v\r\n\r\n",
        head + "X " + SECRET + ": v\r\n\r\n",
        head + SECRET + "\r\n\r\n",
        head + " " + SECRET + "\r\n\r\n", // obs-fold: a continuation line
        "GET " + target + "?k=" + SECRET + "\u0001 HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\nX-K: "
            + SECRET
            + "\u0002\r\n\r\n",
        "GET "
            + target
            + " HTTP/1.1\r\nHost: localhost\r\nProxy-Authorization: Basic "
            + Base64.getEncoder()
                .encodeToString(("alice:" + SECRET).getBytes(StandardCharsets.UTF_8))
            + "\r\n\r\n",
        "GET "
            + target
            + " HTTP/1.1\r\nHost: localhost\r\nProxy-Authorization: Basic "
            + SECRET
            + "\r\n\r\n");
  }

  /** JSON API bodies with the secret in a refused field. */
  private static Stream<JsonObject> rejectedFetches() {
    String url = upstream.url("/echo/redact-api");
    return Stream.of(
        new JsonObject().put("url", url).put("method", "GET " + SECRET),
        new JsonObject()
            .put("url", url)
            .put("headers", new JsonObject().put("X-Key", SECRET + "\u0001")),
        new JsonObject()
            .put("url", url)
            .put("headers", new JsonObject().put("X-Key", "\u007f" + SECRET)),
        new JsonObject()
            .put("url", url)
            .put("headers", new JsonObject().put(SECRET + "\u0003", "v")),
        new JsonObject().put("url", url).put("headers", new JsonObject().put(SECRET + " x", "v")));
  }

  @Test
  void noRejectedValueReachesAnyLogOrAnswer() throws Exception {
    List<String> answers = new ArrayList<>();
    for (String head : rejectedHeads().toList()) {
      String answer = RawHttp.exchange(proxy.port(), head, 800);
      int status = RawHttp.status(answer);
      assertTrue(status == 400 || status == 407, "refused: " + head + " -> " + answer);
      answers.add(answer);
    }
    for (JsonObject body : rejectedFetches().toList()) {
      var r =
          proxy
              .client()
              .local(
                  io.vertx.core.http.HttpMethod.POST,
                  "/api/v1/fetch",
                  io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                      .add("Authorization", authValue()),
                  io.vertx.core.buffer.Buffer.buffer(body.encode()))
              .await();
      assertTrue(r.status() == 400 || r.status() == 407, body + " -> " + r.status());
      answers.add(r.body().toString());
    }
    Thread.sleep(300); // access-log lines are written after the answer
    assertEquals(0, upstream.count("/echo/redact") + upstream.count("/echo/redact-api"));

    String b64 =
        Base64.getEncoder().encodeToString(("alice:" + SECRET).getBytes(StandardCharsets.UTF_8));
    List<String> leaks = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(lines.list)) {
      StringBuilder text = new StringBuilder(e.getFormattedMessage());
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        text.append(" | ").append(t.getMessage());
      }
      String s = text.toString();
      if (s.contains(SECRET) || s.contains(b64)) {
        leaks.add(e.getLoggerName() + ": " + s);
      }
    }
    assertTrue(leaks.isEmpty(), "the secret reached the log: " + leaks);
    for (String a : answers) {
      assertTrue(!a.contains(SECRET), "the secret was echoed in an answer: " + a);
    }
    assertTrue(
        lines.list.stream().anyMatch(e -> e.getFormattedMessage().contains("at position")),
        "the log names the offending byte's position");
  }
}
