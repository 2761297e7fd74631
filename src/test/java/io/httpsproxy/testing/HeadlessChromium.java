package io.httpsproxy.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Headless Chromium (Debian package {@code chromium}) driven over the DevTools protocol: one page
 * target, a WebSocket from Vert.x, no driver binaries. The browser gets a fresh profile, listens
 * for DevTools on an ephemeral loopback port (read back from {@code DevToolsActivePort}) and has
 * its background networking, updates and sync off, so it only fetches what the page asks for.
 * Console errors, uncaught exceptions and browser log errors (failed loads, CSP violations) are
 * collected.
 */
public final class HeadlessChromium implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final long CALL_TIMEOUT_MS = 10_000;

  private final Process process;
  private final Path profile;
  private final Vertx vertx = Vertx.vertx();
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, Promise<JsonObject>> calls = new ConcurrentHashMap<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private WebSocket ws;

  private HeadlessChromium(Process process, Path profile) {
    this.process = process;
    this.profile = profile;
  }

  /** Starts Chromium with an empty page and attaches to it; console and log domains enabled. */
  public static HeadlessChromium start(int width, int height) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    Process p =
        new ProcessBuilder(
                BINARY.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--disable-breakpad",
                "--no-first-run",
                "--no-default-browser-check",
                "--mute-audio",
                "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=" + width + "," + height,
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(profile.resolve("chromium.log").toFile())
            .start();
    HeadlessChromium c = new HeadlessChromium(p, profile);
    try {
      c.attachRetrying(c.devToolsPort());
      c.call("Runtime.enable", null).await();
      c.call("Log.enable", null).await();
      c.call("Page.enable", null).await();
      return c;
    } catch (Exception | AssertionError e) {
      c.close();
      throw e;
    }
  }

  private int devToolsPort() throws Exception {
    Path file = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("chromium exited: " + log());
      }
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        if (!lines.isEmpty() && !lines.get(0).isBlank()) {
          return Integer.parseInt(lines.get(0).trim());
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no DevToolsActivePort within " + START_TIMEOUT + ": " + log());
  }

  /**
   * A browser that has just written its DevTools port may still close the page's WebSocket during
   * the handshake (seen once in CI: "Connection closed while handshake in process"): try again.
   */
  private void attachRetrying(int port) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        attach(port);
        return;
      } catch (RuntimeException | AssertionError e) {
        if (attempt == 5 || !process.isAlive()) {
          throw e;
        }
        Thread.sleep(300);
      }
    }
  }

  private void attach(int port) {
    HttpClientAgent http = vertx.createHttpClient();
    JsonArray targets =
        http.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/json/list"))
            .compose(req -> req.send().compose(resp -> resp.body()))
            .map(b -> b.toJsonArray())
            .timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .await();
    http.close();
    String url =
        targets.stream()
            .map(JsonObject.class::cast)
            .filter(t -> "page".equals(t.getString("type")))
            .map(t -> t.getString("webSocketDebuggerUrl"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no page target: " + targets.encode()));
    URI uri = URI.create(url);
    // Chromium refuses DevTools WebSockets that carry an Origin unless allowed by a flag: send
    // none.
    WebSocketConnectOptions o =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(uri.getPort())
            .setURI(uri.getPath())
            .setAllowOriginHeader(false)
            .setTimeout(CALL_TIMEOUT_MS);
    // Screenshots arrive as one base64 message of a few hundred KB.
    WebSocketClientOptions wo =
        new WebSocketClientOptions().setMaxFrameSize(1 << 24).setMaxMessageSize(1 << 26);
    ws = vertx.createWebSocketClient(wo).connect(o).await();
    ws.textMessageHandler(this::onMessage);
  }

  private void onMessage(String text) {
    JsonObject m = new JsonObject(text);
    Integer id = m.getInteger("id");
    if (id != null) {
      Promise<JsonObject> p = calls.remove(id);
      if (p == null) {
        return;
      }
      if (m.containsKey("error")) {
        p.fail(m.getJsonObject("error").encode());
      } else {
        p.complete(m.getJsonObject("result", new JsonObject()));
      }
      return;
    }
    JsonObject params = m.getJsonObject("params", new JsonObject());
    switch (m.getString("method", "")) {
      case "Runtime.consoleAPICalled" -> {
        String type = params.getString("type");
        if ("error".equals(type) || "assert".equals(type)) {
          errors.add("console." + type + ": " + params.getJsonArray("args").encode());
        }
      }
      case "Runtime.exceptionThrown" ->
          errors.add("exception: " + params.getJsonObject("exceptionDetails").encode());
      case "Log.entryAdded" -> {
        JsonObject entry = params.getJsonObject("entry");
        if ("error".equals(entry.getString("level"))) {
          errors.add("log: " + entry.getString("text") + " " + entry.getString("url", ""));
        }
      }
      default -> {}
    }
  }

  /** One DevTools command, answered within 10 s. */
  public Future<JsonObject> call(String method, JsonObject params) {
    int id = ids.incrementAndGet();
    Promise<JsonObject> p = Promise.promise();
    calls.put(id, p);
    JsonObject msg = new JsonObject().put("id", id).put("method", method);
    if (params != null) {
      msg.put("params", params);
    }
    ws.writeTextMessage(msg.encode());
    return p.future().timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  public void navigate(String url) {
    call("Page.navigate", new JsonObject().put("url", url)).await();
  }

  /** The value of a JavaScript expression in the page, as a string (null for null/undefined). */
  public String eval(String expression) {
    JsonObject r =
        call(
                "Runtime.evaluate",
                new JsonObject().put("expression", expression).put("returnByValue", true))
            .await();
    if (r.containsKey("exceptionDetails")) {
      throw new AssertionError(expression + ": " + r.getJsonObject("exceptionDetails").encode());
    }
    Object v = r.getJsonObject("result").getValue("value");
    return v == null ? null : String.valueOf(v);
  }

  /** The text of the first element matching a CSS selector ("" while there is none). */
  public String text(String selector) {
    return eval("(document.querySelector(" + Json.encode(selector) + ") || {}).textContent ?? ''");
  }

  public void screenshot(Path png) throws IOException {
    String data =
        call("Page.captureScreenshot", new JsonObject().put("format", "png"))
            .await()
            .getString("data");
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.write(png, Base64.getDecoder().decode(data));
  }

  /** Console errors, uncaught exceptions and error-level log entries seen so far. */
  public List<String> errors() {
    return List.copyOf(errors);
  }

  public String log() {
    try {
      return Files.readString(profile.resolve("chromium.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Ends Chromium and its helper processes, then deletes the profile. */
  @Override
  public void close() {
    try {
      List<ProcessHandle> children = process.descendants().toList();
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      children.forEach(ProcessHandle::destroyForcibly);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      vertx.close().await();
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
