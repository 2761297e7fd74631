package io.httpsproxy.ingress;

import io.httpsproxy.admission.MemoryGuard;
import io.httpsproxy.cache.CacheFront;
import io.httpsproxy.cache.CacheKey;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.DestinationResolver;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.security.HeaderHygiene;
import io.httpsproxy.security.Target;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Forward-proxy requests in absolute form ({@code GET https://host/path HTTP/1.1}): the request
 * head goes over the event-bus queue, and the bodies stream both ways once a worker starts it
 * ({@link ForwardDownstream}), with hop-by-hop headers removed. A Content-Length over maxBodyBytes
 * is refused before anything is forwarded.
 */
final class ForwardHandler {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ForwardHandler.class);
  private static final long HOLD_POLL_MS = 50;

  private final Vertx vertx;
  private final Supplier<ProxyConfig> config;
  private final ProxyStats stats;
  private final EgressClient egress;
  private final AccessLog accessLog;
  private final MemoryGuard memory;
  private final CacheFront cache;
  private final DestinationResolver destinations;
  private final String node;

  /** Cache hits check {@code destinations} here, as a worker would before it connects. */
  ForwardHandler(
      Vertx vertx,
      Supplier<ProxyConfig> config,
      ProxyStats stats,
      EgressClient egress,
      AccessLog accessLog,
      IngressVerticle.Parts parts,
      DestinationResolver destinations) {
    this.vertx = vertx;
    this.cache = new CacheFront(parts.cache());
    this.destinations = destinations;
    this.node = parts.nodeId();
    this.memory = parts.memory();
    this.config = config;
    this.stats = stats;
    this.egress = egress;
    this.accessLog = accessLog;
  }

  void handle(HttpServerRequest req, RequestTrace trace, AccessGate.Caller caller) {
    long length = bodyLength(req);
    boolean withBody = length != ProxyRequest.NO_BODY;
    if (withBody) {
      req.pause(); // until a worker reads it: nothing is lost, and the client waits
    } else {
      req.resume(); // paused by an asynchronous gate; it has no body to hold back
    }
    Exchange ex = new Exchange(req, stats, trace, caller, accessLog);
    Target target;
    try {
      target = Target.parse(req.uri());
    } catch (ProxyException e) {
      ex.fail(e, withBody); // an unread body cannot be taken for the next request
      return;
    }
    ex.target(target);
    List<Header> headers;
    try {
      headers = MaxForwards.apply(req, HeaderHygiene.forUpstream(req.headers()));
    } catch (ProxyException e) {
      ex.fail(e, withBody);
      return;
    }
    if (headers == null) {
      req.resume();
      ex.respond(200, MaxForwards::answer);
      return;
    }
    headers.add(HeaderHygiene.VIA);
    ProxyConfig now = config.get();
    long limit = now.maxBodyBytes();
    if (limit > 0 && length > limit) {
      ex.fail(RequestBody.tooLarge(limit));
      return;
    }
    if (cache.enabled()) {
      routeThroughCache(ex, req, target, headers, length, withBody, now);
      return;
    }
    upstream(ex, req, target, headers, length, now, d -> d);
  }

  private void routeThroughCache(
      Exchange ex,
      HttpServerRequest req,
      Target target,
      List<Header> headers,
      long length,
      boolean withBody,
      ProxyConfig now) {
    try {
      cache.handle(
          req.method().name(),
          target,
          headers,
          withBody,
          new CachedRoute(
              ex,
              req,
              req.method() == HttpMethod.HEAD,
              target,
              () -> new ForwardDownstream(ex, req, null),
              destinations,
              node,
              (sent, wrap) -> upstream(ex, req, target, sent, length, now, wrap)));
    } catch (RuntimeException e) {
      // A bug, not a network failure: the client still gets its one answer (500), not a hang.
      LOG.error("id={} the cache failed on {}", ex.id(), CacheKey.of(target), e);
      ex.fail(new ProxyException(FailureCode.INTERNAL), withBody);
    }
  }

  /** Sends the request upstream; {@code wrap} may wrap its downstream (the cache's). */
  private void upstream(
      Exchange ex,
      HttpServerRequest req,
      Target target,
      List<Header> headers,
      long length,
      ProxyConfig now,
      UnaryOperator<Downstream> wrap) {
    boolean withBody = length != ProxyRequest.NO_BODY;
    long limit = now.maxBodyBytes();
    Runnable send =
        () -> {
          RequestBody body =
              withBody ? new RequestBody(vertx, req, limit, now.bodyTimeout()) : null;
          egress.send(
              ex,
              req.method().name(),
              target,
              headers,
              length,
              limit,
              wrap.apply(new ForwardDownstream(ex, req, body)));
        };
    if (withBody && memory.level() != MemoryGuard.Level.NORMAL) {
      holdWhileShort(ex, req, ex.acceptedAtMs() + now.queueTimeout().toMillis(), send);
    } else {
      send.run();
    }
  }

  /**
   * Memory pressure: a new body is not read until the node is back under memoryPressure (its client
   * waits, as TCP makes it), or the queue deadline passes (503 MEMORY_PRESSURE).
   */
  private void holdWhileShort(Exchange ex, HttpServerRequest req, long deadlineMs, Runnable go) {
    memory.shed(MemoryGuard.Level.PRESSURE);
    vertx.setPeriodic(
        HOLD_POLL_MS,
        id -> {
          if (req.response().closed()) {
            vertx.cancelTimer(id);
            ex.fail(new ProxyException(FailureCode.CLIENT_GONE)); // recorded, not sent
          } else if (memory.level() == MemoryGuard.Level.NORMAL) {
            vertx.cancelTimer(id);
            go.run();
          } else if (System.currentTimeMillis() >= deadlineMs) {
            vertx.cancelTimer(id);
            ex.fail(new ProxyException(FailureCode.MEMORY_PRESSURE), true);
          }
        });
  }

  /**
   * RFC 9112 section 6.3: chunked means a body of unknown length, a Content-Length its length, and
   * neither no body at all. Netty has refused both together, and malformed lengths, already.
   */
  static long bodyLength(HttpServerRequest req) {
    if (req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
      return ProxyRequest.UNKNOWN_LENGTH;
    }
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared == null) {
      return ProxyRequest.NO_BODY;
    }
    try {
      long n = Long.parseLong(declared.trim());
      return n == 0 ? ProxyRequest.NO_BODY : n;
    } catch (NumberFormatException e) {
      return ProxyRequest.UNKNOWN_LENGTH;
    }
  }
}
