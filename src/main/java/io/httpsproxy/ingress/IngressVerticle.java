package io.httpsproxy.ingress;

import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.cluster.ClusterView;
import io.httpsproxy.cluster.NodeDirectory;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.DestinationResolver;
import io.httpsproxy.egress.TunnelConnector;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.ClientAcl;
import io.httpsproxy.security.DestinationPolicy;
import io.httpsproxy.security.Target;
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

  private final ProxyConfig config;
  private final ProxyStats stats;
  private final ConnectionLimiter limiter;
  private final ClusterView cluster;
  private final NodeDirectory nodes;
  private final ConnectionLimiter tunnelSlots;
  private final DestinationPolicy policy;
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

  public IngressVerticle(
      ProxyConfig config,
      ProxyStats stats,
      ConnectionLimiter limiter,
      ConnectionLimiter tunnelSlots,
      DestinationPolicy policy,
      ClusterView cluster,
      NodeDirectory nodes,
      IntConsumer boundPort) {
    this.config = config;
    this.stats = stats;
    this.limiter = limiter;
    this.cluster = cluster;
    this.nodes = nodes;
    this.tunnelSlots = tunnelSlots;
    this.policy = policy;
    this.clients = ClientAcl.of(config.allowClients());
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    EgressClient egress = new EgressClient(vertx, context, config, stats, nodes);
    forward = new ForwardHandler(config, stats, egress);
    router =
        AdminRoutes.router(vertx, config, stats, cluster, new ApiHandler(config, stats, egress));
    connector = new TunnelConnector(vertx, config, new DestinationResolver(vertx, policy, stats));
    tunnels = new TunnelHandler(config, stats, tunnelSlots, connector);
    server =
        vertx
            .createHttpServer(serverOptions())
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

  private void onRequest(HttpServerRequest req) {
    FailureCode refusal = refused.get(req.connection());
    if (refusal != null) {
      ErrorResponder.send(req, new ProxyException(refusal), null);
      return;
    }
    if (req.method() == HttpMethod.CONNECT) {
      tunnels.handle(req);
      return;
    }
    if (Target.isAbsoluteHttpUrl(req.uri())) {
      forward.handle(req);
      return;
    }
    router.handle(req);
  }
}
