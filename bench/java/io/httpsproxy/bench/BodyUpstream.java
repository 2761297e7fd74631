package io.httpsproxy.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The body upstream of bench/scenarios slowreaders, uploads and crossnode. It never holds a body:
 *
 * <ul>
 *   <li>{@code GET /bytes/N} streams N bytes (Content-Length N) in 64 KiB writes, honouring
 *       {@code writeQueueFull()} / {@code drainHandler}: when the reader (the proxy) does not read,
 *       this server stops writing, and counts that it had to wait.
 *   <li>{@code POST} or {@code PUT} on any other path: a sink that reads the body (at most
 *       {@code --sink-rate} bytes/s per upload with pause/resume, 0 = as fast as it comes) and
 *       answers {@code {"received":N}}.
 *   <li>{@code GET /small}: 1 KiB, for the normal client next to the heavy ones.
 *   <li>{@code GET /count}: the counters below as JSON, so that a scenario can tell the bytes this
 *       server wrote from the bytes its clients read, and whether backpressure reached it
 *       ({@code pausedNow}, {@code pausedMax}, {@code drainWaits}).
 * </ul>
 *
 * "written" counts bytes handed to Vert.x; with writeQueueFull honoured at most one write queue
 * (Netty's high-water mark, 64 KiB) per response is ahead of the socket.
 *
 * <pre>java -cp target/bench-classes:target/https-proxy.jar io.httpsproxy.bench.BodyUpstream
 *     --port N [--tls-port M --cert PEM --key PEM] [--sink-rate BYTES_PER_S]</pre>
 */
public final class BodyUpstream {
  private static final int CHUNK_BYTES = 64 * 1024;
  private static final Buffer CHUNK = Buffer.buffer("x".repeat(CHUNK_BYTES));
  private static final Buffer SMALL = Buffer.buffer("a".repeat(1024));

  private static final LongAdder WRITTEN = new LongAdder();
  private static final LongAdder STARTED = new LongAdder();
  private static final LongAdder COMPLETED = new LongAdder();
  private static final LongAdder ABORTED = new LongAdder();
  private static final LongAdder DRAIN_WAITS = new LongAdder();
  private static final AtomicLong ACTIVE = new AtomicLong();
  private static final AtomicLong PAUSED_NOW = new AtomicLong();
  private static final AtomicLong PAUSED_MAX = new AtomicLong();
  private static final LongAdder RECEIVED = new LongAdder();
  private static final LongAdder UPLOADS_STARTED = new LongAdder();
  private static final LongAdder UPLOADS_COMPLETED = new LongAdder();
  private static final LongAdder UPLOADS_ABORTED = new LongAdder();

  private BodyUpstream() {}

  public static void main(String[] args) {
    int port = 0;
    int tlsPort = -1;
    String cert = null;
    String key = null;
    long sinkRate = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--tls-port" -> tlsPort = Integer.parseInt(args[i + 1]);
        case "--cert" -> cert = args[i + 1];
        case "--key" -> key = args[i + 1];
        case "--sink-rate" -> sinkRate = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    HttpServerOptions plain =
        new HttpServerOptions().setHost("127.0.0.1").setPort(port).setAcceptBacklog(65535);
    HttpServerOptions tls = null;
    if (tlsPort >= 0) {
      tls =
          new HttpServerOptions(plain)
              .setPort(tlsPort)
              .setSsl(true)
              .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(key));
    }
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    HttpServerOptions tlsOptions = tls;
    long rate = sinkRate;
    vertx
        .deployVerticle(
            () -> new Loop(plain, tlsOptions, rate), new DeploymentOptions().setInstances(loops))
        .await();
    System.out.println(
        "body upstream on 127.0.0.1:"
            + port
            + (tls != null ? " and TLS on 127.0.0.1:" + tlsPort : "")
            + ", sink rate "
            + (sinkRate > 0 ? sinkRate + " B/s per upload" : "unlimited"));
  }

  static String counts() {
    return "{\"written\":" + WRITTEN.sum()
        + ",\"responsesStarted\":" + STARTED.sum()
        + ",\"responsesCompleted\":" + COMPLETED.sum()
        + ",\"responsesAborted\":" + ABORTED.sum()
        + ",\"responsesActive\":" + ACTIVE.get()
        + ",\"pausedNow\":" + PAUSED_NOW.get()
        + ",\"pausedMax\":" + PAUSED_MAX.get()
        + ",\"drainWaits\":" + DRAIN_WAITS.sum()
        + ",\"received\":" + RECEIVED.sum()
        + ",\"uploadsStarted\":" + UPLOADS_STARTED.sum()
        + ",\"uploadsCompleted\":" + UPLOADS_COMPLETED.sum()
        + ",\"uploadsAborted\":" + UPLOADS_ABORTED.sum()
        + "}";
  }

  static final class Loop extends VerticleBase {
    private final HttpServerOptions plain;
    private final HttpServerOptions tls;
    private final long sinkRate;

    Loop(HttpServerOptions plain, HttpServerOptions tls, long sinkRate) {
      this.plain = plain;
      this.tls = tls;
      this.sinkRate = sinkRate;
    }

    @Override
    public Future<?> start() {
      Future<?> p = vertx.createHttpServer(new HttpServerOptions(plain)).requestHandler(this::handle).listen();
      if (tls == null) {
        return p;
      }
      return p.compose(
          v -> vertx.createHttpServer(new HttpServerOptions(tls)).requestHandler(this::handle).listen());
    }

    private void handle(HttpServerRequest req) {
      String path = req.path();
      if (req.method() == HttpMethod.POST || req.method() == HttpMethod.PUT) {
        sink(req);
      } else if (path.startsWith("/bytes/")) {
        req.end().onSuccess(v -> stream(req.response(), Long.parseLong(path.substring(7))));
      } else if (path.equals("/count")) {
        req.response().putHeader("content-type", "application/json").end(counts());
      } else if (path.equals("/small")) {
        req.response().end(SMALL);
      } else {
        req.response().setStatusCode(404).end();
      }
    }

    /** N bytes, never more than the write queue ahead of the socket. */
    private void stream(HttpServerResponse res, long n) {
      STARTED.increment();
      ACTIVE.incrementAndGet();
      res.putHeader("content-type", "application/octet-stream")
          .putHeader("content-length", Long.toString(n));
      new Pump(res, n).run();
    }

    private static final class Pump implements Runnable {
      private final HttpServerResponse res;
      private long left;
      private boolean paused;
      private boolean done;

      Pump(HttpServerResponse res, long n) {
        this.res = res;
        this.left = n;
        res.closeHandler(v -> finish(false));
        res.exceptionHandler(e -> finish(false));
      }

      @Override
      public void run() {
        if (done) {
          return;
        }
        if (paused) {
          paused = false;
          PAUSED_NOW.decrementAndGet();
        }
        while (left > 0 && !res.writeQueueFull()) {
          int len = (int) Math.min(CHUNK_BYTES, left);
          left -= len;
          WRITTEN.add(len);
          res.write(len == CHUNK_BYTES ? CHUNK : CHUNK.getBuffer(0, len));
        }
        if (left == 0) {
          res.end();
          finish(true);
          return;
        }
        paused = true;
        DRAIN_WAITS.increment();
        PAUSED_MAX.accumulateAndGet(PAUSED_NOW.incrementAndGet(), Math::max);
        res.drainHandler(v -> run());
      }

      private void finish(boolean completed) {
        if (done) {
          return;
        }
        done = true;
        if (paused) {
          paused = false;
          PAUSED_NOW.decrementAndGet();
        }
        ACTIVE.decrementAndGet();
        (completed ? COMPLETED : ABORTED).increment();
      }
    }

    /** Reads the body, at most sinkRate bytes/s when sinkRate > 0, and answers its length. */
    private void sink(HttpServerRequest req) {
      UPLOADS_STARTED.increment();
      long t0 = System.nanoTime();
      long[] got = {0};
      boolean[] ended = {false};
      req.handler(
          buf -> {
            got[0] += buf.length();
            RECEIVED.add(buf.length());
            if (sinkRate > 0) {
              long dueMs = got[0] * 1000 / sinkRate - (System.nanoTime() - t0) / 1_000_000;
              if (dueMs > 5) {
                req.pause();
                vertx.setTimer(dueMs, t -> req.resume());
              }
            }
          });
      req.endHandler(
          v -> {
            ended[0] = true;
            UPLOADS_COMPLETED.increment();
            req.response()
                .putHeader("content-type", "application/json")
                .end("{\"received\":" + got[0] + "}");
          });
      req.exceptionHandler(
          e -> {
            if (!ended[0]) {
              ended[0] = true;
              UPLOADS_ABORTED.increment();
            }
          });
    }
  }
}
