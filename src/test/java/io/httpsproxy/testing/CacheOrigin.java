package io.httpsproxy.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-HTTP origin on an ephemeral loopback port whose answers a test chooses per path, for the
 * cache's tests. It counts and records every request per path (its headers), so a test can assert
 * how many reached it; the default body, {@code <path>#<n>}, differs for every call, so an answer
 * served to the wrong client or from the cache shows in the body.
 */
public final class CacheOrigin implements AutoCloseable {
  /** Writes the answer to the {@code n}th request (1-based) for a path. */
  @FunctionalInterface
  public interface Answer {
    void answer(HttpServerRequest req, int n);
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final Map<String, List<MultiMap>> heads = new ConcurrentHashMap<>();

  public CacheOrigin() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").await();
  }

  /** Answers {@code path} with {@code answer}. */
  public CacheOrigin on(String path, Answer answer) {
    answers.put(path, answer);
    return this;
  }

  /** Answers {@code path} 200 with these headers (name, value, name, value ...) and the body. */
  public CacheOrigin headers(String path, String... nameValues) {
    return on(path, (req, n) -> end(req.response(), n, req.path(), nameValues));
  }

  /** Like {@link #headers}, each answer after {@code delayMs}. */
  public CacheOrigin slow(String path, long delayMs, String... nameValues) {
    return on(
        path,
        (req, n) -> vertx.setTimer(delayMs, id -> end(req.response(), n, req.path(), nameValues)));
  }

  public static void end(HttpServerResponse resp, int n, String path, String... nameValues) {
    for (int i = 0; i + 1 < nameValues.length; i += 2) {
      resp.headers().add(nameValues[i], nameValues[i + 1]);
    }
    resp.end(path + "#" + n);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  public int count(String path) {
    AtomicInteger n = counts.get(path);
    return n == null ? 0 : n.get();
  }

  /** The request headers of each request for {@code path}, in order. */
  public List<MultiMap> heads(String path) {
    return heads.getOrDefault(path, List.of());
  }

  private void handle(HttpServerRequest req) {
    int n = counts.computeIfAbsent(req.path(), p -> new AtomicInteger()).incrementAndGet();
    MultiMap copy = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    heads.computeIfAbsent(req.path(), p -> new CopyOnWriteArrayList<>()).add(copy);
    Answer a = answers.get(req.path());
    if (a == null) {
      req.response().setStatusCode(404).end("no answer set for " + req.path());
      return;
    }
    req.body().onSuccess(b -> a.answer(req, n));
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
