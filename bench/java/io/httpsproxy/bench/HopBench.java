package io.httpsproxy.bench;

import com.sun.management.OperatingSystemMXBean;
import io.httpsproxy.metrics.ProxyMeters;
import io.httpsproxy.protocol.Codecs;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyReplyCodec;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.protocol.ProxyRequestCodec;
import io.httpsproxy.security.Target;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What the event-bus hop between ingress and egress costs per request, next to a direct call (issue
 * #6). Not a test: run it with {@code bench/hop}. Every variant hands an exchange (a ProxyRequest
 * as the ingress builds it for {@code GET https://localhost/1k}, a ProxyReply as the worker builds
 * it from nginx's answer: heads only, bodies stream outside the messages since issue #11) to a
 * handler and waits for the reply, with
 * {@code inflight} exchanges outstanding at once (64 = wrk's connections; 1 = pure latency).
 * Reported per exchange: wall time and the CPU time of the whole process (all threads: event loops,
 * GC, JIT), since on a saturated 2-core box CPU per request is what bounds requests/s.
 *
 * <p>Variants: {@code direct} (method call, reply through a Promise, one thread); {@code
 * context-hop} (runOnContext to another event loop and back, no event bus); {@code eb-same-loop}
 * (event-bus request/reply, consumer on the sender's event loop); {@code eb-record} (our codecs,
 * consumer on another event loop: what the proxy does); {@code eb-json} (the same with JsonObject
 * messages: mapping to and from JSON plus Vert.x's JsonObject codec, whose local transform is a deep
 * copy); {@code wire-record} / {@code wire-json} (one encodeToWire + decodeFromWire of request and
 * reply: the clustered path's serialisation, single thread, no network).
 */
public final class HopBench {
  static final String ADDRESS = "bench.hop";
  static final String JSON_ADDRESS = "bench.hop.json";

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } finally {
      System.exit(0); // an exception must not leave the event loops running
    }
  }

  private static void run(String[] args) throws Exception {
    Map<String, String> opt = new LinkedHashMap<>();
    for (String a : args) {
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      opt.put(kv[0], kv.length > 1 ? kv[1] : "true");
    }
    double seconds = Double.parseDouble(opt.getOrDefault("seconds", "3"));
    double warmup = Double.parseDouble(opt.getOrDefault("warmup", "3"));
    int rounds = Integer.parseInt(opt.getOrDefault("rounds", "5"));
    boolean metrics = !opt.getOrDefault("metrics", "true").equals("false");
    List<String> variants =
        List.of(
            opt.getOrDefault(
                    "variants",
                    "direct,context-hop,eb-same-loop,eb-record,eb-json,wire-record,wire-json")
                .split(","));
    List<Integer> inflights = new ArrayList<>();
    for (String s : opt.getOrDefault("inflight", "64,1").split(",")) {
      inflights.add(Integer.parseInt(s));
    }

    VertxOptions options = new VertxOptions().setEventLoopPoolSize(2);
    Vertx vertx;
    if (metrics) {
      // As in ProxyNode: Vert.x's own meters (the event bus's included) into a Prometheus registry.
      PrometheusMeterRegistry registry = ProxyMeters.newRegistry("bench");
      options.setMetricsOptions(ProxyMeters.vertxOptions("bench", true));
      vertx = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
    } else {
      vertx = Vertx.vertx(options);
    }
    Codecs.register(vertx);
    vertx.eventBus().registerCodec(new JsonCopyCodec());
    // Two verticles on two event loops (Vert.x assigns loops round-robin): the "egress" consumes,
    // the "ingress" sends; a third consumer sits on the ingress's own loop for eb-same-loop.
    Egress egress = new Egress();
    vertx.deployVerticle(egress).await();
    Ingress ingress = new Ingress();
    vertx.deployVerticle(ingress).await();

    Map<String, Map<Integer, List<double[]>>> results = new LinkedHashMap<>();
    System.out.printf(
        "HopBench: %d rounds x %.1f s (after %.1f s warm-up per variant), metrics=%s, %s%n",
        rounds, seconds, warmup, metrics, Runtime.version());
    for (int round = 0; round <= rounds; round++) {
      boolean warm = round == 0;
      for (String v : variants) {
        for (int inflight : inflights) {
          if (v.startsWith("wire-") && inflight != inflights.get(0)) {
            continue; // single-threaded serialisation: in-flight count means nothing
          }
          double[] r = run(vertx, ingress, egress, v, inflight, warm ? warmup : seconds);
          if (!warm) {
            results.computeIfAbsent(v, k -> new LinkedHashMap<>())
                .computeIfAbsent(inflight, k -> new ArrayList<>())
                .add(r);
            System.out.printf(
                "round %d %-12s inflight %3d: %9.0f ns wall/op %9.0f ns cpu/op (%d ops)%n",
                round, v, inflight, r[0], r[1], (long) r[2]);
          }
        }
      }
    }
    System.out.println();
    System.out.println("| variant | in flight | wall ns/op (median) | CPU ns/op (median) | CPU ns/op, all rounds |");
    System.out.println("| --- | --- | --- | --- | --- |");
    for (var e : results.entrySet()) {
      for (var f : e.getValue().entrySet()) {
        List<double[]> rs = f.getValue();
        StringBuilder all = new StringBuilder();
        for (double[] r : rs) {
          all.append(all.length() == 0 ? "" : " / ").append(String.format("%.0f", r[1]));
        }
        System.out.printf(
            "| %s | %s | %.0f | %.0f | %s |%n",
            e.getKey(),
            e.getKey().startsWith("wire-") ? "-" : f.getKey(),
            median(rs, 0),
            median(rs, 1),
            all);
      }
    }
    vertx.close().await();
  }

  private static double median(List<double[]> rs, int i) {
    double[] v = rs.stream().mapToDouble(r -> r[i]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** {wall ns/op, cpu ns/op, ops}. */
  private static double[] run(
      Vertx vertx, Ingress ingress, Egress egress, String variant, int inflight, double seconds)
      throws Exception {
    OperatingSystemMXBean os =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long endNanos;
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    endNanos = t0 + (long) (seconds * 1e9);
    long ops;
    if (variant.startsWith("wire-")) {
      ops = wireLoop(variant.equals("wire-json"), endNanos);
    } else {
      ops = ingress.drive(variant, inflight, endNanos, egress).get(120, TimeUnit.SECONDS);
    }
    long wall = System.nanoTime() - t0;
    long cpu = os.getProcessCpuTime() - cpu0;
    return new double[] {(double) wall / ops, (double) cpu / ops, ops};
  }

  // ---- the messages ------------------------------------------------------------------------

  /** What ForwardHandler sends for wrk's {@code GET https://localhost:19443/1k}. */
  static ProxyRequest request() {
    long now = System.currentTimeMillis();
    return new ProxyRequest(
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "GET",
        Target.parse("https://localhost:19443/1k"),
        List.of(
            new Header("Via", "1.1 https-proxy"),
            new Header(
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")),
        ProxyRequest.NO_BODY,
        now,
        now + 30_000,
        30_000,
        0,
        null,
        null,
        0);
  }

  /**
   * What the worker answers with nginx's 1 KiB response: the head (the body now streams outside
   * the message).
   */
  static ProxyReply reply() {
    return new ProxyReply(
        200,
        List.of(
            new Header("Server", "nginx/1.22.1"),
            new Header("Date", "Tue, 25 Nov 2026 22:54:37 GMT"),
            new Header("Content-Type", "application/octet-stream"),
            new Header("Content-Length", "1024"),
            new Header("Last-Modified", "Tue, 25 Nov 2026 22:54:30 GMT"),
            new Header("ETag", "\"6926335a-400\""),
            new Header("Accept-Ranges", "bytes")),
        null,
        null,
        0,
        3,
        "bench");
  }

  static JsonObject toJson(ProxyRequest r) {
    JsonArray headers = new JsonArray();
    r.headers().forEach(h -> headers.add(new JsonArray().add(h.name()).add(h.value())));
    return new JsonObject()
        .put("id", r.id())
        .put("method", r.method())
        .put("url", r.url())
        .put("headers", headers)
        .put("bodyLength", r.bodyLength())
        .put("acceptedAtMs", r.acceptedAtMs())
        .put("queueDeadlineMs", r.queueDeadlineMs())
        .put("requestTimeoutMs", r.requestTimeoutMs());
  }

  static ProxyRequest requestFromJson(JsonObject j) {
    return new ProxyRequest(
        j.getString("id"),
        j.getString("method"),
        Target.parse(j.getString("url")),
        headers(j.getJsonArray("headers")),
        j.getLong("bodyLength"),
        j.getLong("acceptedAtMs"),
        j.getLong("queueDeadlineMs"),
        j.getLong("requestTimeoutMs"),
        0,
        null,
        null,
        0);
  }

  static JsonObject toJson(ProxyReply r) {
    JsonArray headers = new JsonArray();
    r.headers().forEach(h -> headers.add(new JsonArray().add(h.name()).add(h.value())));
    return new JsonObject()
        .put("status", r.status())
        .put("headers", headers)
        .put("failure", r.failure() == null ? null : r.failure().name())
        .put("message", r.message())
        .put("queueMs", r.queueMs())
        .put("upstreamMs", r.upstreamMs())
        .put("node", r.node());
  }

  static ProxyReply replyFromJson(JsonObject j) {
    String failure = j.getString("failure");
    return new ProxyReply(
        j.getInteger("status"),
        headers(j.getJsonArray("headers")),
        failure == null ? null : io.httpsproxy.protocol.FailureCode.valueOf(failure),
        j.getString("message"),
        j.getLong("queueMs"),
        j.getLong("upstreamMs"),
        j.getString("node"));
  }

  private static List<Header> headers(JsonArray a) {
    List<Header> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      JsonArray h = a.getJsonArray(i);
      out.add(new Header(h.getString(0), h.getString(1)));
    }
    return out;
  }

  // ---- the clustered path's serialisation ----------------------------------------------------

  static volatile Object sink;

  private static long wireLoop(boolean json, long endNanos) {
    ProxyRequestCodec reqCodec = new ProxyRequestCodec();
    ProxyReplyCodec replyCodec = new ProxyReplyCodec();
    MessageCodec<JsonObject, JsonObject> jsonCodec = new JsonCopyCodec();
    ProxyRequest req = request();
    ProxyReply rep = reply();
    long ops = 0;
    while ((ops & 255) != 0 || System.nanoTime() < endNanos) {
      Buffer a = Buffer.buffer(256);
      Buffer b = Buffer.buffer(1400);
      if (json) {
        jsonCodec.encodeToWire(a, toJson(req));
        sink = requestFromJson(jsonCodec.decodeFromWire(0, a));
        jsonCodec.encodeToWire(b, toJson(rep));
        sink = replyFromJson(jsonCodec.decodeFromWire(0, b));
      } else {
        reqCodec.encodeToWire(a, req);
        sink = reqCodec.decodeFromWire(0, a);
        replyCodec.encodeToWire(b, rep);
        sink = replyCodec.decodeFromWire(0, b);
      }
      ops++;
    }
    return ops;
  }

  /**
   * Vert.x's own JsonObject codec behaviour (length-prefixed JSON text on the wire, a deep copy for
   * local delivery) under a name of its own, so it can be the explicit codec of a send.
   */
  static final class JsonCopyCodec implements MessageCodec<JsonObject, JsonObject> {
    @Override
    public void encodeToWire(Buffer buffer, JsonObject o) {
      Buffer encoded = o.toBuffer();
      buffer.appendInt(encoded.length()).appendBuffer(encoded);
    }

    @Override
    public JsonObject decodeFromWire(int pos, Buffer buffer) {
      int len = buffer.getInt(pos);
      return new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + len));
    }

    @Override
    public JsonObject transform(JsonObject o) {
      return o.copy();
    }

    @Override
    public String name() {
      return "bench-json";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  // ---- the two sides ---------------------------------------------------------------------------

  /** The consumer side, on its own event loop: answers every request at once. */
  static final class Egress extends VerticleBase {
    final ProxyReply reply = reply();
    final DeliveryOptions json = new DeliveryOptions().setCodecName("bench-json");
    Context ctx;

    @Override
    public Future<?> start() {
      ctx = context;
      EventBus eb = vertx.eventBus();
      return Future.all(
          eb.<ProxyRequest>consumer(
                  ADDRESS,
                  m -> {
                    sink = m.body();
                    m.reply(reply);
                  })
              .completion(),
          eb.<JsonObject>consumer(
                  JSON_ADDRESS,
                  m -> {
                    sink = requestFromJson(m.body());
                    m.reply(toJson(reply), json);
                  })
              .completion());
    }

    /** The "upstream call" of the direct variants: a handler that answers at once. */
    ProxyReply handle(ProxyRequest r) {
      sink = r;
      return reply;
    }
  }

  /** The sender side: keeps {@code inflight} exchanges outstanding until the time is up. */
  static final class Ingress extends VerticleBase {
    final ProxyRequest request = request();
    final DeliveryOptions json = new DeliveryOptions().setCodecName("bench-json");
    Context ctx;

    @Override
    public Future<?> start() {
      ctx = context;
      // eb-same-loop: a consumer on this verticle's own event loop.
      return vertx
          .eventBus()
          .<ProxyRequest>consumer(ADDRESS + ".same", m -> m.reply(new Egress().reply))
          .completion();
    }

    CompletableFuture<Long> drive(String variant, int inflight, long endNanos, Egress egress) {
      Function<ProxyRequest, Future<ProxyReply>> exchange = exchange(variant, egress);
      Driver d = new Driver(exchange, inflight, endNanos);
      ctx.runOnContext(v -> d.pump());
      return d.done;
    }

    /**
     * Keeps {@code inflight} exchanges outstanding; a loop rather than recursion, since the direct
     * variant completes synchronously.
     */
    private final class Driver {
      final CompletableFuture<Long> done = new CompletableFuture<>();
      final Function<ProxyRequest, Future<ProxyReply>> exchange;
      final int inflight;
      final long endNanos;
      long completed;
      int outstanding;
      boolean pumping;
      boolean over;

      Driver(Function<ProxyRequest, Future<ProxyReply>> exchange, int inflight, long endNanos) {
        this.exchange = exchange;
        this.inflight = inflight;
        this.endNanos = endNanos;
      }

      void pump() {
        pumping = true;
        while (!over && outstanding < inflight) {
          outstanding++;
          exchange.apply(request).onComplete(this::completed);
        }
        pumping = false;
        if (over && outstanding == 0) {
          done.complete(completed);
        }
      }

      void completed(io.vertx.core.AsyncResult<ProxyReply> ar) {
        if (ar.failed()) {
          done.completeExceptionally(ar.cause());
          return;
        }
        sink = ar.result();
        completed++;
        outstanding--;
        if (!over && (completed & 63) == 0 && System.nanoTime() >= endNanos) {
          over = true;
        }
        if (!pumping) {
          pump();
        }
      }
    }

    private Function<ProxyRequest, Future<ProxyReply>> exchange(String variant, Egress egress) {
      EventBus eb = vertx.eventBus();
      return switch (variant) {
        case "direct" ->
            r -> {
              Promise<ProxyReply> p = Promise.promise();
              p.complete(egress.handle(r));
              return p.future();
            };
        case "context-hop" ->
            r -> {
              Promise<ProxyReply> p = Promise.promise();
              egress.ctx.runOnContext(
                  v -> {
                    ProxyReply reply = egress.handle(r);
                    ctx.runOnContext(w -> p.complete(reply));
                  });
              return p.future();
            };
        case "eb-same-loop" ->
            r -> eb.<ProxyReply>request(ADDRESS + ".same", r).map(m -> m.body());
        case "eb-record" -> r -> eb.<ProxyReply>request(ADDRESS, r).map(m -> m.body());
        case "eb-json" ->
            r ->
                eb.<JsonObject>request(JSON_ADDRESS, toJson(r), json)
                    .map(m -> replyFromJson(m.body()));
        default -> throw new IllegalArgumentException("unknown variant " + variant);
      };
    }
  }
}
