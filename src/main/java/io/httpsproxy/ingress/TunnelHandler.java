package io.httpsproxy.ingress;

import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.TunnelConnector;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.DenyRule;
import io.httpsproxy.security.Target;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetSocket;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code CONNECT host:port}: a byte pipe, not a request. It is admitted by the connection limit (it
 * holds its client connection) and by its own cap, {@code maxTunnels}, but never by the request
 * queue or a worker slot: a tunnel may live for minutes, and queue slots and workers are sized for
 * calls that end within requestTimeout. Holding one would starve ordinary requests. The upstream
 * side goes through the same destination gate as every upstream call.
 */
final class TunnelHandler {
  private final Supplier<ProxyConfig> config;
  private final ProxyStats stats;
  private final ConnectionLimiter slots;
  private final TunnelConnector connector;
  private final AccessLog accessLog;

  /**
   * Told when a tunnel's client side has closed: an HTTP connection turned into a socket never
   * fires its own close handler, so the connection slot is given back here.
   */
  private final Consumer<HttpConnection> connectionGone;

  TunnelHandler(
      Supplier<ProxyConfig> config,
      ProxyStats stats,
      ConnectionLimiter slots,
      TunnelConnector connector,
      AccessLog accessLog,
      Consumer<HttpConnection> connectionGone) {
    this.connectionGone = connectionGone;
    this.config = config;
    this.stats = stats;
    this.slots = slots;
    this.connector = connector;
    this.accessLog = accessLog;
  }

  void handle(HttpServerRequest req, RequestTrace trace, AccessGate.Caller caller) {
    Exchange ex = new Exchange(req, stats, trace, caller, accessLog);
    if (req.headers().contains("content-length") || req.headers().contains("transfer-encoding")) {
      // RFC 9110 section 9.3.6: a CONNECT request has no content; bytes after its head belong to
      // the tunnel, so a framed body there is a smuggling attempt. Nothing is dialled.
      ex.fail(
          new ProxyException(
              FailureCode.BAD_REQUEST,
              "a CONNECT request has no body (Content-Length or Transfer-Encoding given)"),
          true);
      return;
    }
    Target target;
    try {
      target = Target.parseAuthority(req.uri());
    } catch (ProxyException e) {
      ex.fail(e);
      return;
    }
    ex.target(target);
    if (!config.get().connectPorts().contains(target.port())) {
      stats.destinationDenied(DenyRule.CONNECT_PORT);
      ex.fail(
          new ProxyException(
              FailureCode.DESTINATION_DENIED,
              "destination denied by rule 'connectPorts': port "
                  + target.port()
                  + " is not open to CONNECT ("
                  + DenyRule.CONNECT_PORT.remedy()
                  + ")"));
      return;
    }
    if (!slots.tryAcquire()) {
      ex.fail(new ProxyException(FailureCode.TUNNEL_LIMIT));
      return;
    }
    connector
        .connect(target)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                slots.release();
                ex.fail(ar.cause());
                return;
              }
              open(ex, ar.result());
            });
  }

  /** Vert.x answers 200 itself when the request becomes a socket. */
  private void open(Exchange ex, NetSocket upstream) {
    HttpConnection conn = ex.request().connection();
    Future<NetSocket> client;
    try {
      client = ex.request().toNetSocket();
    } catch (RuntimeException e) {
      // The client left while the upstream connection was being made: Vert.x 5.0.7 then throws
      // (its pipeline has no HTTP decoder left to remove) instead of failing the future. Without
      // this the tunnel slot and the upstream connection leaked, and after maxTunnels such
      // departures every CONNECT got 503 TUNNEL_LIMIT (found by bench/run, hey at 256 conns).
      client = Future.failedFuture(e);
    }
    client.onComplete(
        ar -> {
          if (ar.failed()) {
            // Logged like a forward request whose client left: the upstream side had succeeded.
            ex.tunnelClosed(0, 0);
            slots.release();
            upstream.close();
            connectionGone.accept(conn);
            return;
          }
          new Tunnel(
                  ar.result(),
                  upstream,
                  stats,
                  slots,
                  (fromClient, toClient) -> {
                    ex.tunnelClosed(fromClient, toClient);
                    connectionGone.accept(conn);
                  })
              .start(config.get().tunnelIdleTimeout());
        });
  }
}
