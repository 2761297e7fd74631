package io.httpsproxy.ingress;

import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.metrics.Readiness;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.Target;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The HTTP server, one instance per event loop, all sharing one port. Dispatch happens before the
 * Router: CONNECT (the Router would answer 404), then absolute-form forward-proxy requests, then
 * origin-form requests, which are the proxy's own routes.
 */
public final class IngressVerticle extends VerticleBase {
  private static final long OVER_LIMIT_GRACE_MS = 2_000;

  private final ProxyConfig config;
  private final ProxyStats stats;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final ConnectionLimiter limiter;
  private final IntConsumer boundPort;

  // state confined to this verticle's event loop
  private final Set<HttpConnection> overLimit = new HashSet<>();
  private HttpServer server;
  private ForwardHandler forward;
  private Router router;

  public IngressVerticle(
      ProxyConfig config,
      ProxyStats stats,
      PrometheusMeterRegistry registry,
      Readiness readiness,
      ConnectionLimiter limiter,
      IntConsumer boundPort) {
    this.config = config;
    this.stats = stats;
    this.registry = registry;
    this.readiness = readiness;
    this.limiter = limiter;
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    EgressClient egress = new EgressClient(vertx, config, stats);
    forward = new ForwardHandler(config, stats, egress);
    router =
        new AdminRoutes(config, stats, registry, readiness)
            .router(vertx, new ApiHandler(config, stats, egress));
    server =
        vertx
            .createHttpServer(serverOptions())
            .connectionHandler(this::onConnection)
            .invalidRequestHandler(IngressVerticle::onInvalidRequest)
            .requestHandler(this::onRequest);
    // A negative port makes all instances share one random port (port 0 means "pick one").
    int port = config.port() == 0 ? -1 : config.port();
    return server.listen(port, config.host()).onSuccess(s -> boundPort.accept(s.actualPort()));
  }

  /** Stops accepting, lets in-flight requests finish, then closes (bounded by {@code drain}). */
  public Future<Void> drain(Duration drain) {
    return server.shutdown(drain.toMillis(), TimeUnit.MILLISECONDS);
  }

  private HttpServerOptions serverOptions() {
    return new HttpServerOptions()
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxHeaderSize(config.maxHeaderSize())
        .setMaxInitialLineLength(config.maxInitialLineLength())
        .setHttp2ClearTextEnabled(false)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setHandle100ContinueAutomatically(false);
  }

  private void onConnection(HttpConnection conn) {
    if (!limiter.tryAcquire()) {
      stats.connectionOpened(false);
      overLimit.add(conn);
      conn.closeHandler(v -> overLimit.remove(conn));
      // A connection that never sends a request is closed anyway.
      vertx.setTimer(OVER_LIMIT_GRACE_MS, id -> conn.close());
      return;
    }
    stats.connectionOpened(true);
    conn.closeHandler(
        v -> {
          limiter.release();
          stats.connectionClosed();
        });
  }

  /** The request id goes on the response first, so every answer below carries it. */
  private void onRequest(HttpServerRequest req) {
    RequestTrace trace = RequestTrace.start(req);
    if (overLimit.contains(req.connection())) {
      ErrorResponder.send(req, new ProxyException(FailureCode.CONNECTION_LIMIT), trace.id());
      return;
    }
    if (req.method() == HttpMethod.CONNECT) {
      ErrorResponder.send(
          req,
          new ProxyException(
              FailureCode.METHOD_NOT_ALLOWED, "CONNECT tunnels are not supported yet"),
          trace.id());
      return;
    }
    if (Target.isAbsoluteHttpUrl(req.uri())) {
      forward.handle(req, trace);
      return;
    }
    router.handle(req);
  }

  /** Requests Netty could not decode (line or headers too long, bad syntax): Vert.x answers. */
  private static void onInvalidRequest(HttpServerRequest req) {
    req.response().putHeader(ErrorResponder.REQUEST_ID_HEADER, RequestIds.next());
    HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(req);
  }
}
