package io.httpsproxy.ingress;

import io.httpsproxy.admission.Admission;
import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.admission.MemoryGuard;
import io.httpsproxy.cache.ResponseCache;
import io.httpsproxy.cluster.ClusterView;
import io.httpsproxy.cluster.NodeDirectory;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.DestinationResolver;
import io.httpsproxy.egress.DnsNegativeCache;
import io.httpsproxy.egress.EgressWorker;
import io.httpsproxy.egress.Engines;
import io.httpsproxy.egress.TunnelConnector;
import io.httpsproxy.egress.UpstreamDns;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.metrics.Readiness;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.StreamRouter;
import io.httpsproxy.reload.LiveSettings;
import io.httpsproxy.reload.NodeSettings;
import io.httpsproxy.reload.Reloader;
import io.httpsproxy.security.HeaderHygiene;
import io.httpsproxy.security.Target;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server, one instance per event loop, all sharing one port. Dispatch happens before the
 * Router: CONNECT (the Router would answer 404), then absolute-form forward-proxy requests, then
 * origin-form requests, which are the proxy's own routes.
 */
public final class IngressVerticle extends VerticleBase {
  private static final long REFUSED_GRACE_MS = 2_000;
  private static final String ADMIN_ELSEWHERE =
      "the node's own endpoints are served on the admin listener (adminPort), not on the proxy"
          + " port (adminOnProxyPort is false)";
  private static final Logger LOG = LoggerFactory.getLogger(IngressVerticle.class);

  /**
   * What every ingress instance of a node shares.
   *
   * @param config the start-up config: what a reload cannot change (listener, server options)
   * @param settings what a reload can change (policies, ACL, credentials, limits, timeouts)
   * @param limiter the node's connection limit
   * @param tunnelSlots the node's CONNECT tunnel limit
   * @param nodes where requests may be sent (this node alone, or the cluster's members)
   */
  public record Parts(
      ProxyConfig config,
      LiveSettings settings,
      ProxyStats stats,
      PrometheusMeterRegistry registry,
      Readiness readiness,
      ConnectionLimiter limiter,
      ConnectionLimiter tunnelSlots,
      ClusterView cluster,
      NodeDirectory nodes,
      Reloader reloader,
      AccessLog accessLog,
      Admission admission,
      StreamRouter router,
      Engines engines,
      String nodeId,
      MemoryGuard memory,
      DnsNegativeCache dnsFailures,
      ResponseCache cache) {}

  private final Parts parts;
  private final ProxyConfig config;
  private final LiveSettings settings;
  private final ProxyStats stats;
  private final ConnectionLimiter limiter;
  private final IntConsumer boundPort;
  private final int loop;

  // state confined to this verticle's event loop
  /** Connections refused at accept time, answered once with this code and closed. */
  private final Map<HttpConnection, FailureCode> refused = new HashMap<>();

  /**
   * Connections holding a limiter slot, with the config version their client address was checked
   * against: after a reload, the next request on the connection is checked again.
   */
  private final Map<HttpConnection, Integer> open = new HashMap<>();

  private IngressServers servers;
  private ForwardHandler forward;
  private TunnelHandler tunnels;
  private Router router;
  private ApiHandler api;
  private AccessGate gate;

  private EgressWorker worker;
  private UpstreamDns dns;
  private MalformedRequests malformed;

  /** {@code loop} numbers this instance among the node's ingress verticles. */
  public IngressVerticle(Parts parts, int loop, IntConsumer boundPort) {
    this.parts = parts;
    this.loop = loop;
    this.config = parts.config();
    this.settings = parts.settings();
    this.stats = parts.stats();
    this.limiter = parts.limiter();
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() throws Exception {
    Supplier<ProxyConfig> live = settings::config;
    dns = new UpstreamDns(vertx, context, config, parts.dnsFailures());
    // This loop's workers: requests that enter here run upstream here, on the same thread.
    worker =
        new EgressWorker(
            vertx,
            context,
            loop,
            settings,
            parts.admission(),
            parts.router(),
            stats,
            parts.engines(),
            dns,
            parts.nodeId(),
            parts.nodes().selfId(),
            parts.nodes().fence());
    EgressClient egress =
        new EgressClient(
            vertx, context, live, stats, parts.nodes(), parts.router(), worker.localAddress());
    AccessLog accessLog = parts.accessLog();
    malformed = new MalformedRequests(stats, accessLog);
    DestinationResolver destinations =
        new DestinationResolver(dns, () -> settings.get().policy(), stats);
    forward = new ForwardHandler(vertx, live, stats, egress, accessLog, parts, destinations);
    TunnelConnector connector = new TunnelConnector(vertx, live, destinations);
    tunnels =
        new TunnelHandler(
            live, stats, parts.tunnelSlots(), connector, accessLog, this::connectionGone);
    api = new ApiHandler(live, stats, egress, accessLog, parts, destinations);
    gate = new AccessGate(vertx, settings);
    router =
        new AdminRoutes(
                settings,
                stats,
                parts.registry(),
                parts.readiness(),
                parts.cluster(),
                parts.reloader(),
                parts.cache())
            .router(vertx);
    servers = new IngressServers(vertx, config, parts.engines(), stats.tlsHandshakes());
    return worker
        .start()
        .compose(
            v ->
                servers.listen(
                    s ->
                        s.invalidRequestHandler(malformed::onInvalidRequest)
                            .connectionHandler(this::onConnection)
                            .requestHandler(this::onRequest),
                    settings.get().tls(),
                    boundPort))
        .onSuccess(
            v -> {
              if (loop == 0) { // once per node: the instances share one TLS server
                TlsRotation.install(vertx, settings, parts.reloader(), () -> this);
              }
            });
  }

  /** The TLS listener's port, or -1 when there is none. */
  public int tlsPort() {
    return servers == null ? -1 : servers.tlsPort();
  }

  @Override
  public Future<?> stop() {
    if (dns != null) {
      dns.close();
    }
    return Future.succeededFuture();
  }

  /** Stops accepting, lets in-flight requests finish, then closes (bounded by {@code drain}). */
  public Future<Void> drain(Duration drain) {
    return servers.shutdown(drain);
  }

  /** New TLS handshakes use {@code m} (one instance's call reaches the shared TLS server). */
  public Future<Boolean> updateTls(
      io.httpsproxy.config.TlsListener l, io.httpsproxy.config.TlsMaterial m) {
    return servers.updateTls(l, m);
  }

  /** Stops taking requests from other nodes; they send theirs elsewhere from then on. */
  public Future<Void> stopRemoteWork() {
    return worker.stopRemote();
  }

  private void onConnection(HttpConnection conn) {
    SocketAddress remote = conn.remoteAddress();
    String client = remote == null ? null : remote.hostAddress();
    NodeSettings now = settings.get();
    if (!now.clients().allows(client)) {
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
    ConnectionGuard.install(
        conn,
        now.config().headerTimeout(),
        now.config().headers().maxHeaderCount(),
        malformed::onRefused,
        () -> LOG.debug("malformed chunk from {}: 400 and closed", remote));
    open.put(conn, now.version());
    conn.closeHandler(v -> connectionGone(conn));
  }

  /**
   * After a reload, a connection accepted under older settings has its client address checked again
   * at its next request; a client no longer allowed gets 403 and the connection closes.
   */
  private boolean stillAllowed(HttpServerRequest req) {
    HttpConnection conn = req.connection();
    Integer checkedAt = open.get(conn);
    NodeSettings now = settings.get();
    if (checkedAt == null || checkedAt == now.version()) {
      return true;
    }
    SocketAddress remote = conn.remoteAddress();
    String client = remote == null ? null : remote.hostAddress();
    if (now.clients().allows(client)) {
      open.put(conn, now.version());
      return true;
    }
    stats.clientDenied();
    LOG.info("client {} refused after reload: no longer in allowClients", client);
    refused.put(conn, FailureCode.CLIENT_DENIED);
    return false;
  }

  /** Gives the connection's slot back, once: on close, or when its tunnel ends. */
  private void connectionGone(HttpConnection conn) {
    refused.remove(conn);
    if (open.remove(conn) != null) {
      limiter.release();
      stats.connectionClosed();
    }
  }

  /** The first request gets a 403/503 and the connection closes; a silent one closes anyway. */
  private void refuse(HttpConnection conn, FailureCode code) {
    refused.put(conn, code);
    conn.closeHandler(v -> refused.remove(conn));
    vertx.setTimer(REFUSED_GRACE_MS, id -> conn.close());
  }

  /**
   * The request id goes on the response first, so every answer below carries it. Then the one gate
   * for every kind of request: authentication and the rate limit (after the client ACL, which
   * refused at connect time). A gate that must run PBKDF2 answers later: the request is paused
   * meanwhile so that no body byte is lost.
   */
  private void onRequest(HttpServerRequest req) {
    RequestTrace trace = RequestTrace.start(req);
    FailureCode refusal =
        stillAllowed(req) ? refused.get(req.connection()) : FailureCode.CLIENT_DENIED;
    if (refusal != null) {
      ErrorResponder.send(req, new ProxyException(refusal), trace.id());
      return;
    }
    String hostProblem =
        HeaderHygiene.hostProblem(req.headers(), req.version() == HttpVersion.HTTP_1_1);
    if (hostProblem != null) {
      ErrorResponder.send(
          req, new ProxyException(FailureCode.BAD_REQUEST, hostProblem), trace.id());
      return;
    }
    String scheme = Target.otherScheme(req.uri());
    if (scheme != null) {
      ErrorResponder.send(
          req,
          new ProxyException(
              FailureCode.BAD_REQUEST,
              "unsupported scheme '"
                  + (scheme.length() > 20 ? scheme.substring(0, 20) + "..." : scheme)
                  + "' in the request target (supported: http, https; CONNECT for tunnels)"),
          trace.id(),
          true);
      return;
    }
    AccessGate.Kind kind = kindOf(req);
    if (!config.admin().onProxyPort()
        && (kind == AccessGate.Kind.ADMIN_OPEN || kind == AccessGate.Kind.ADMIN_PROTECTED)) {
      ErrorResponder.send(
          req, new ProxyException(FailureCode.NOT_FOUND, ADMIN_ELSEWHERE), trace.id());
      return;
    }
    if (kind == AccessGate.Kind.PROXY || kind == AccessGate.Kind.API) {
      MemoryGuard.Level level = parts.memory().level();
      if (level == MemoryGuard.Level.CRITICAL) {
        // Refused before anything is read or authenticated: shedding must cost next to nothing.
        parts.memory().shed(level);
        ErrorResponder.send(req, new ProxyException(FailureCode.MEMORY_PRESSURE), trace.id());
        return;
      }
      if (level == MemoryGuard.Level.PRESSURE && req.method() != HttpMethod.CONNECT) {
        req.response().putHeader(HttpHeaders.CONNECTION, "close"); // keep-alive off
      }
    }
    SocketAddress remote = req.remoteAddress();
    Future<AccessGate.Caller> admitted =
        gate.admit(req, kind, remote == null ? null : remote.hostAddress());
    if (admitted.isComplete()) {
      dispatch(req, trace, kind, admitted);
      return;
    }
    req.pause();
    admitted.onComplete(
        ar -> {
          dispatch(req, trace, kind, ar);
          // A forwarded request's body is read when a worker is ready for it.
          if (ar.failed() || req.method() == HttpMethod.CONNECT || kind != AccessGate.Kind.PROXY) {
            req.resume();
          }
        });
  }

  private void dispatch(
      HttpServerRequest req,
      RequestTrace trace,
      AccessGate.Kind kind,
      io.vertx.core.AsyncResult<AccessGate.Caller> admitted) {
    if (admitted.failed()) {
      SocketAddress remote = req.remoteAddress();
      AccessGate.Caller anonymous =
          new AccessGate.Caller(null, remote == null ? null : remote.hostAddress());
      new Exchange(req, stats, trace, anonymous, parts.accessLog()).fail(admitted.cause());
      return;
    }
    AccessGate.Caller caller = admitted.result();
    if (kind == AccessGate.Kind.PROXY && HeaderHygiene.hasLooped(req.headers())) {
      new Exchange(req, stats, trace, caller, parts.accessLog())
          .fail(new ProxyException(FailureCode.LOOP_DETECTED));
      return;
    }
    if (req.method() == HttpMethod.CONNECT) {
      tunnels.handle(req, trace, caller);
    } else if (kind == AccessGate.Kind.PROXY) {
      forward.handle(req, trace, caller);
    } else if (kind == AccessGate.Kind.API && req.method() == HttpMethod.POST) {
      api.handle(req, trace, caller);
    } else {
      router.handle(req);
    }
  }

  private static AccessGate.Kind kindOf(HttpServerRequest req) {
    if (req.method() == HttpMethod.CONNECT || Target.isAbsoluteHttpUrl(req.uri())) {
      return AccessGate.Kind.PROXY;
    }
    String path = req.path() == null ? "" : req.path();
    if (path.equals(AdminRoutes.API_PATH)) {
      return AccessGate.Kind.API;
    }
    return AccessGate.adminKind(path);
  }
}
