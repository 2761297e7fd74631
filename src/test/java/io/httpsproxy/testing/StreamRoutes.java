package io.httpsproxy.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The upstream's streaming routes, which never hold a body whole and never go through {@link
 * HttpsUpstream}'s recording of whole bodies:
 *
 * <ul>
 *   <li>{@code /sink} (and {@code /slowsink}) reads the request body through SHA-256 and answers
 *       {@code {"length": N, "sha256": "hex"}}; {@code pauseMs=P} stops reading for P ms after the
 *       first chunk, so a test can see the sender held back.
 *   <li>{@code /stream/N} writes N bytes of {@link Bodies} for {@code seed=S} (default 1) in 16 KiB
 *       writes that respect {@code writeQueueFull()}, with Content-Length, or chunked with {@code
 *       chunked=1}; {@code pauseMs=P} waits P ms between writes (a slow upstream).
 * </ul>
 *
 * Each request's {@link Progress} is kept by its origin-form URI (path and query), so tests give
 * each request a unique query.
 */
public final class StreamRoutes {
  private static final int WRITE = 16 * 1024;

  /** How far one streaming request got; written on the upstream's event loop, read by tests. */
  public static final class Progress {
    private final int remotePort;
    private final AtomicLong bytes = new AtomicLong();
    private volatile boolean ended;
    private volatile boolean reset;

    Progress(int remotePort) {
      this.remotePort = remotePort;
    }

    /** The proxy-side port of the connection the request came on (which process holds it). */
    public int remotePort() {
      return remotePort;
    }

    /** Bytes written so far (/stream) or consumed so far (/sink). */
    public long bytes() {
      return bytes.get();
    }

    /** The request (sink) or response (stream) ended cleanly. */
    public boolean ended() {
      return ended;
    }

    /** The connection closed or reset before the end. */
    public boolean reset() {
      return reset;
    }
  }

  private final Vertx vertx;
  private final AtomicInteger sinkStarted = new AtomicInteger();
  private final AtomicInteger sinkCompleted = new AtomicInteger();
  private final AtomicInteger sinkFailed = new AtomicInteger();
  private final AtomicInteger streamStarted = new AtomicInteger();
  private final AtomicInteger streamCompleted = new AtomicInteger();
  private final AtomicInteger streamReset = new AtomicInteger();
  private final Map<String, Progress> byUri = new ConcurrentHashMap<>();
  private volatile Progress lastSink;
  private volatile Progress lastStream;

  StreamRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Takes the request if it is a streaming route, before anything reads its body. */
  boolean handle(HttpServerRequest req) {
    String path = req.path();
    if (path.equals("/sink") || path.equals("/slowsink")) {
      sink(req, longParam(req, "pauseMs", 0));
      return true;
    }
    if (path.startsWith("/stream/")) {
      stream(req, Long.parseLong(path.substring("/stream/".length())));
      return true;
    }
    return false;
  }

  public int sinkStarted() {
    return sinkStarted.get();
  }

  /** /sink requests whose body arrived complete (and were answered). */
  public int sinkCompleted() {
    return sinkCompleted.get();
  }

  /** /sink requests that ended with an error or a reset before their body was complete. */
  public int sinkFailed() {
    return sinkFailed.get();
  }

  public int streamStarted() {
    return streamStarted.get();
  }

  public int streamCompleted() {
    return streamCompleted.get();
  }

  /** /stream responses cut by the other side before their last byte was written. */
  public int streamReset() {
    return streamReset.get();
  }

  /** The progress of the request with this origin-form URI, or null if none came. */
  public Progress progress(String uri) {
    return byUri.get(uri);
  }

  public Progress lastSink() {
    return lastSink;
  }

  public Progress lastStream() {
    return lastStream;
  }

  private void sink(HttpServerRequest req, long pauseMs) {
    sinkStarted.incrementAndGet();
    Progress p = track(req);
    lastSink = p;
    MessageDigest md = Bodies.newSha256();
    boolean[] first = {true};
    boolean[] done = {false};
    Runnable failed =
        () -> {
          if (!done[0]) {
            done[0] = true;
            p.reset = true;
            sinkFailed.incrementAndGet();
          }
        };
    req.handler(
        chunk -> {
          md.update(chunk.getBytes());
          p.bytes.addAndGet(chunk.length());
          if (pauseMs > 0 && first[0]) {
            req.pause();
            vertx.setTimer(pauseMs, id -> req.resume());
          }
          first[0] = false;
        });
    req.exceptionHandler(t -> failed.run());
    req.response().closeHandler(v -> failed.run());
    req.endHandler(
        v -> {
          if (done[0]) {
            return;
          }
          done[0] = true;
          p.ended = true;
          sinkCompleted.incrementAndGet();
          req.response()
              .putHeader("Content-Type", "application/json")
              .end(
                  new JsonObject()
                      .put("length", p.bytes())
                      .put("sha256", Bodies.hex(md.digest()))
                      .encode());
        });
    if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      req.response().writeContinue();
    }
  }

  private void stream(HttpServerRequest req, long length) {
    streamStarted.incrementAndGet();
    Progress p = track(req);
    lastStream = p;
    long seed = longParam(req, "seed", 1);
    long pauseMs = longParam(req, "pauseMs", 0);
    HttpServerResponse resp = req.response();
    resp.putHeader("Content-Type", "application/octet-stream");
    if ("1".equals(req.getParam("chunked"))) {
      resp.setChunked(true);
    } else {
      resp.putHeader("Content-Length", String.valueOf(length));
    }
    Runnable cut =
        () -> {
          if (!p.ended && !p.reset) {
            p.reset = true;
            streamReset.incrementAndGet();
          }
        };
    resp.closeHandler(v -> cut.run());
    resp.exceptionHandler(t -> cut.run());
    // The request body (none is expected) is drained so the response can end.
    req.endHandler(
        v -> {
          if (req.method() == HttpMethod.HEAD) {
            p.ended = true;
            resp.end();
            return;
          }
          new Writer(resp, p, seed, length, pauseMs).next();
        });
  }

  /** Writes the body while the response's write queue has room, then waits for its drain. */
  private final class Writer {
    private final HttpServerResponse resp;
    private final Progress p;
    private final long seed;
    private final long length;
    private final long pauseMs;
    private long written;

    Writer(HttpServerResponse resp, Progress p, long seed, long length, long pauseMs) {
      this.resp = resp;
      this.p = p;
      this.seed = seed;
      this.length = length;
      this.pauseMs = pauseMs;
    }

    void next() {
      while (!p.reset && written < length) {
        if (resp.writeQueueFull()) {
          resp.drainHandler(
              v -> {
                resp.drainHandler(null);
                next();
              });
          return;
        }
        int n = (int) Math.min(WRITE, length - written);
        resp.write(Buffer.buffer(Bodies.slice(seed, written, n)));
        written += n;
        p.bytes.set(written);
        if (pauseMs > 0 && written < length) {
          vertx.setTimer(pauseMs, id -> next());
          return;
        }
      }
      if (!p.reset && !p.ended) {
        p.ended = true;
        streamCompleted.incrementAndGet();
        resp.end();
      }
    }
  }

  private Progress track(HttpServerRequest req) {
    Progress p = new Progress(req.remoteAddress().port());
    byUri.put(req.uri(), p);
    return p;
  }

  private static long longParam(HttpServerRequest req, String name, long fallback) {
    String v = req.getParam(name);
    return v == null ? fallback : Long.parseLong(v);
  }
}
