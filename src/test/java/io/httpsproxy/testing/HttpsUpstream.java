package io.httpsproxy.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream on an ephemeral loopback port, HTTPS (certificate from a {@link TestCa}) or plain
 * HTTP. It records every request it receives, so tests can assert what reached it and that nothing
 * did.
 *
 * <p>Routes: /echo (method, uri, headers, body as JSON), /status/N, /delay/MS, /bytes/N, /reset
 * (promises 1000 bytes, sends 10, closes), /hop (hop-by-hop response headers), /redirect (302 to
 * /echo), and the streaming routes of {@link StreamRoutes} (/sink, /slowsink, /stream/N), which
 * bypass the whole-body recording.
 */
public final class HttpsUpstream implements AutoCloseable {
  /** What the upstream received. */
  public record Received(
      String method, String uri, Map<String, List<String>> headers, Buffer body) {}

  /**
   * Fixed socket buffers (the kernel doubles them: 512 KiB) instead of autotuned ones (up to 4 MiB
   * sent, 32 MiB received here): what the streaming routes count as written or read is then within
   * ~600 KiB of what the proxy took or gave, so back-pressure tests measure the proxy, not this
   * fixture.
   */
  private static final int SOCKET_BUFFER = 256 * 1024;

  private final Vertx vertx;
  private final HttpServer server;
  private final boolean tls;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, AtomicInteger> byPath = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final StreamRoutes streams;
  private String host = "127.0.0.1";

  private HttpsUpstream(Vertx vertx, HttpServer server, boolean tls) {
    this.vertx = vertx;
    this.server = server;
    this.tls = tls;
    this.streams = new StreamRoutes(vertx);
  }

  public static HttpsUpstream https(TestCa.ServerCert cert) {
    HttpServerOptions o =
        new HttpServerOptions()
            .setSsl(true)
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .setCertPath(cert.certPem().toString())
                    .setKeyPath(cert.keyPem().toString()));
    return start(o, true);
  }

  public static HttpsUpstream http() {
    return start(new HttpServerOptions(), false);
  }

  /** Plain HTTP on {@code host} (a lab address other namespaces reach), not loopback. */
  public static HttpsUpstream httpOn(String host) {
    return start(new HttpServerOptions(), false, host);
  }

  private static HttpsUpstream start(HttpServerOptions options, boolean tls) {
    return start(options, tls, "127.0.0.1");
  }

  private static HttpsUpstream start(HttpServerOptions options, boolean tls, String host) {
    Vertx vertx = Vertx.vertx();
    HttpServer server =
        vertx.createHttpServer(
            options.setSendBufferSize(SOCKET_BUFFER).setReceiveBufferSize(SOCKET_BUFFER));
    HttpsUpstream up = new HttpsUpstream(vertx, server, tls);
    server.requestHandler(up::handle);
    server.listen(0, host).await();
    up.host = host;
    return up;
  }

  public int port() {
    return server.actualPort();
  }

  /** Base URL on the address it listens on (for {@link #httpOn}). */
  public String urlByAddress(String path) {
    return (tls ? "https" : "http") + "://" + host + ":" + port() + path;
  }

  /** Base URL using the name "localhost" (the certificate's name). */
  public String url(String path) {
    return (tls ? "https" : "http") + "://localhost:" + port() + path;
  }

  public int total() {
    return total.get();
  }

  public int count(String path) {
    AtomicInteger n = byPath.get(path);
    return n == null ? 0 : n.get();
  }

  public List<Received> received() {
    return received;
  }

  public Received last() {
    return received.isEmpty() ? null : received.get(received.size() - 1);
  }

  /** The streaming routes' counters and per-request progress. */
  public StreamRoutes streams() {
    return streams;
  }

  private void handle(HttpServerRequest req) {
    if (streams.handle(req)) {
      return;
    }
    req.body()
        .onSuccess(
            body -> {
              total.incrementAndGet();
              byPath.computeIfAbsent(req.path(), p -> new AtomicInteger()).incrementAndGet();
              Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
              req.headers()
                  .forEach(
                      e ->
                          headers
                              .computeIfAbsent(
                                  e.getKey().toLowerCase(), k -> new java.util.ArrayList<>())
                              .add(e.getValue()));
              received.add(new Received(req.method().name(), req.uri(), headers, body));
              route(req, body);
            });
  }

  private void route(HttpServerRequest req, Buffer body) {
    String[] parts = req.path().split("/");
    String first = parts.length > 1 ? parts[1] : "";
    String arg = parts.length > 2 ? parts[2] : "0";
    switch (first) {
      case "status" -> req.response().setStatusCode(Integer.parseInt(arg)).end("status " + arg);
      case "delay" ->
          vertx.setTimer(Math.max(1, Long.parseLong(arg)), id -> req.response().end("slow"));
      case "bytes" ->
          req.response()
              .putHeader("Content-Length", arg)
              .end(
                  req.method().name().equals("HEAD")
                      ? Buffer.buffer()
                      : Buffer.buffer("x".repeat(Integer.parseInt(arg))));
      case "binary" -> {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
          all[i] = (byte) i;
        }
        req.response()
            .putHeader("Content-Type", "application/octet-stream")
            .end(Buffer.buffer(all));
      }
      case "reset" -> {
        req.response().putHeader("Content-Length", "1000").write("0123456789");
        vertx.setTimer(50, id -> req.connection().close());
      }
      case "hop" ->
          req.response()
              .putHeader("Connection", "X-Hop-Secret")
              .putHeader("X-Hop-Secret", "must-not-reach-client")
              .putHeader("Keep-Alive", "timeout=5")
              .putHeader("Proxy-Authenticate", "Basic realm=upstream")
              .putHeader("Upgrade", "h2c")
              .putHeader("X-End", "kept")
              .putHeader("Set-Cookie", (Iterable<String>) List.of("a=1; Path=/", "b=2; Path=/"))
              .end("hop");
      case "redirect" -> req.response().setStatusCode(302).putHeader("Location", "/echo").end();
      default -> echo(req, body);
    }
  }

  private static void echo(HttpServerRequest req, Buffer body) {
    JsonArray headers = new JsonArray();
    req.headers().forEach(e -> headers.add(new JsonArray().add(e.getKey()).add(e.getValue())));
    JsonObject out =
        new JsonObject()
            .put("method", req.method().name())
            .put("uri", req.uri())
            .put("headers", headers)
            .put("bodyBase64", Base64.getEncoder().encodeToString(body.getBytes()));
    req.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Upstream", "echo")
        .end(out.encode());
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
