package io.httpsproxy.ingress;

import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.cluster.ClusterView;
import io.httpsproxy.cluster.NodeDirectory;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.DestinationResolver;
import io.httpsproxy.egress.TunnelConnector;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.metrics.Readiness;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.ClientAcl;
import io.httpsproxy.security.DestinationPolicy;
import io.httpsproxy.security.Target;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server, one instance per event loop, all sharing one port. Dispatch happens before the
 * Router: CONNECT (the Router would answer 404), then absolute-form forward-proxy requests, then
 * origin-form requests, which are the proxy's own routes.
 */
public final class IngressVerticle extends VerticleBase {
  private static final long REFUSED_GRACE_MS = 2_000;
  private static final Logger LOG = LoggerFactory.getLogger(IngressVerticle.class);

  /**
   * What every ingress instance of a node shares.
   *
   * @param limiter the node's connection limit
   * @param tunnelSlots the node's CONNECT tunnel limit
   * @param nodes where requests may be sent (this node alone, or the cluster's members)
   */
  public record Parts(
      ProxyConfig config,
      ProxyStats stats,
      PrometheusMeterRegistry registry,
      Readiness readiness,
      ConnectionLimiter limiter,
      ConnectionLimiter tunnelSlots,
      DestinationPolicy policy,
      ClusterView cluster,
      NodeDirectory nodes) {}

  private final Parts parts;
  private final ProxyConfig config;
  private final ProxyStats stats;
  private final ConnectionLimiter limiter;
  private final ClientAcl clients;
  private final IntConsumer boundPort;

  // state confined to this verticle's event loop
  /** Connections refused at accept time, answered once with this code and closed. */
  private final Map<HttpConnection, FailureCode> refused = new HashMap<>();

  private HttpServer server;
  private ForwardHandler forward;
  private TunnelHandler tunnels;
  private TunnelConnector connector;
  private Router router;

  public IngressVerticle(Parts parts, IntConsumer boundPort) {
    this.parts = parts;
    this.config = parts.config();
    this.stats = parts.stats();
    this.limiter = parts.limiter();
    this.clients = ClientAcl.of(config.allowClients());
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    EgressClient egress = new EgressClient(vertx, context, config, stats, parts.nodes());
    forward = new ForwardHandler(config, stats, egress);
    connector =
        new TunnelConnector(vertx, config, new DestinationResolver(vertx, parts.policy(), stats));
    tunnels = new TunnelHandler(config, stats, parts.tunnelSlots(), connector);
    router =
        new AdminRoutes(config, stats, parts.registry(), parts.readiness(), parts.cluster())
            .router(vertx, new ApiHandler(config, stats, egress));
    server =
        vertx
            .createHttpServer(serverOptions())
            .invalidRequestHandler(IngressVerticle::onInvalidRequest)
            .connectionHandler(this::onConnection)
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
    SocketAddress remote = conn.remoteAddress();
    String client = remote == null ? null : remote.hostAddress();
    if (!clients.allows(client)) {
      stats.clientDenied();
      LOG.info("client {} refused: not in allowClients", client);
      refuse(conn, FailureCode.CLIENT_DENIED);
      return;
    }
    if (!limiter.tryAcquire()) {
      stats.connectionOpened(false);
      refuse(conn, FailureCode.CONNECTION_LIMIT);
      return;
    }
    stats.connectionOpened(true);
    conn.closeHandler(
        v -> {
          limiter.release();
          stats.connectionClosed();
        });
  }

  /** The first request gets a 403/503 and the connection closes; a silent one closes anyway. */
  private void refuse(HttpConnection conn, FailureCode code) {
    refused.put(conn, code);
    conn.closeHandler(v -> refused.remove(conn));
    vertx.setTimer(REFUSED_GRACE_MS, id -> conn.close());
  }

  /** The request id goes on the response first, so every answer below carries it. */
  private void onRequest(HttpServerRequest req) {
    RequestTrace trace = RequestTrace.start(req);
    FailureCode refusal = refused.get(req.connection());
    if (refusal != null) {
      ErrorResponder.send(req, new ProxyException(refusal), trace.id());
      return;
    }
    if (req.method() == HttpMethod.CONNECT) {
      tunnels.handle(req, trace);
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
