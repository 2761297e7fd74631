package io.httpsproxy.ingress;

import io.httpsproxy.admission.MemoryGuard;
import io.httpsproxy.cache.CacheFront;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.DestinationResolver;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.security.HeaderHygiene;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * {@code POST /api/v1/fetch}: the original client protocol. The answer is 200 with the upstream's
 * status, headers, body and timings; the proxy's own failures keep their status and error body.
 * Bodies travel inside JSON, so unlike absolute-form requests they are whole in memory, bounded by
 * {@link ProxyConfig#apiBodyLimit()} both ways.
 */
final class ApiHandler {
  /** JSON and base64 inflate a body by about 4/3; the envelope gets some room on top. */
  private static final long ENVELOPE_BYTES = 64 * 1024;

  private final Supplier<ProxyConfig> config;
  private final ProxyStats stats;
  private final EgressClient egress;
  private final AccessLog accessLog;
  private final MemoryGuard memory;
  private final CacheFront cache;
  private final DestinationResolver destinations;
  private final String node;

  ApiHandler(
      Supplier<ProxyConfig> config,
      ProxyStats stats,
      EgressClient egress,
      AccessLog accessLog,
      IngressVerticle.Parts parts,
      DestinationResolver destinations) {
    this.memory = parts.memory();
    this.cache = new CacheFront(parts.cache());
    this.destinations = destinations;
    this.node = parts.nodeId();
    this.config = config;
    this.stats = stats;
    this.egress = egress;
    this.accessLog = accessLog;
  }

  /**
   * Called by the ingress before the Router, so the caller the gate admitted travels with it. The
   * client's own Authorization header belongs to the proxy and is never copied anywhere; only the
   * headers inside the JSON go upstream.
   */
  void handle(HttpServerRequest req, RequestTrace trace, AccessGate.Caller caller) {
    Exchange ex = new Exchange(req, stats, trace, caller, accessLog);
    long limit = config.get().apiBodyLimit();
    // Its bodies are held whole: under memory pressure it is the first thing refused, and what it
    // will hold is reserved before it is read (the request's size, then the answer as it grows).
    long most = requestLimit(limit);
    long declared = ForwardHandler.bodyLength(req);
    long reserve = declared >= 0 ? Math.min(declared, most) : most;
    if (memory.level() != MemoryGuard.Level.NORMAL || !memory.reserve(reserve)) {
      memory.shed(MemoryGuard.Level.PRESSURE);
      ex.fail(new ProxyException(FailureCode.MEMORY_PRESSURE));
      return;
    }
    ex.onDone(() -> memory.release(reserve));
    BodyReader.read(req, declared >= 0 ? reserve : most, config.get().bodyTimeout())
        .map(
            raw -> {
              ex.bytesIn(raw.length());
              FetchRequest f = FetchRequest.parse(raw, limit);
              ex.target(f.target());
              ex.method(f.method());
              if (f.method().equalsIgnoreCase("TRACE")) {
                throw new ProxyException(
                    FailureCode.METHOD_NOT_ALLOWED, "TRACE is refused by this proxy");
              }
              return f;
            })
        .onSuccess(
            f -> {
              List<Header> headers = new ArrayList<>(f.headers());
              headers.add(HeaderHygiene.VIA);
              boolean withBody = f.body().length() > 0;
              BiConsumer<List<Header>, UnaryOperator<Downstream>> upstream =
                  (sent, wrap) ->
                      egress.send(
                          ex,
                          f.method(),
                          f.target(),
                          sent,
                          withBody ? f.body().length() : ProxyRequest.NO_BODY,
                          limit,
                          wrap.apply(
                              new ApiDownstream(ex, req, withBody ? f.body() : null, memory)));
              if (!cache.enabled()) {
                upstream.accept(headers, d -> d);
                return;
              }
              String method = f.method().toUpperCase(java.util.Locale.ROOT);
              cache.handle(
                  method,
                  f.target(),
                  headers,
                  withBody,
                  new CachedRoute(
                      ex,
                      req,
                      method.equals("HEAD"),
                      f.target(),
                      () -> new ApiDownstream(ex, req, null, memory),
                      destinations,
                      node,
                      upstream));
            })
        .onFailure(ex::fail);
  }

  /** Largest API request: a body at the API's limit in base64, plus the JSON envelope. */
  static long requestLimit(long bodyLimit) {
    return bodyLimit / 3 * 4 + ENVELOPE_BYTES;
  }
}
