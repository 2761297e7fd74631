package io.httpsproxy.ingress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.config.TlsListener;
import io.httpsproxy.config.TlsMaterial;
import io.httpsproxy.egress.Engines;
import io.httpsproxy.metrics.TlsHandshakes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain and the TLS server of one ingress instance: the same options, the same handlers, the
 * same connection limit (the handlers are the verticle's), so everything the plain port serves the
 * TLS port serves too. Either may be off ({@code port} -1, {@code tlsPort} -1), not both.
 */
final class IngressServers {
  private static final Logger LOG = LoggerFactory.getLogger(IngressServers.class);

  private final Vertx vertx;
  private final ProxyConfig config;
  private final Engines engines;
  private final TlsHandshakes handshakes;
  private final List<HttpServer> all = new ArrayList<>();
  private HttpServer tls;

  IngressServers(Vertx vertx, ProxyConfig config, Engines engines, TlsHandshakes handshakes) {
    this.vertx = vertx;
    this.config = config;
    this.engines = engines;
    this.handshakes = handshakes;
  }

  /**
   * Creates and binds the servers; {@code handlers} installs the request, connection and invalid
   * request handlers on each. {@code material} is the TLS files as the node read them at start.
   */
  Future<Void> listen(Consumer<HttpServer> handlers, TlsMaterial material, IntConsumer plainPort) {
    List<Future<?>> bound = new ArrayList<>();
    if (config.port() >= 0) {
      HttpServer plain = vertx.createHttpServer(serverOptions());
      handlers.accept(plain);
      all.add(plain);
      bound.add(
          plain
              .listen(shared(config.port(), -1), config.host())
              .onSuccess(s -> plainPort.accept(s.actualPort())));
    }
    TlsListener l = config.tls();
    if (l.enabled()) {
      HttpServerOptions o =
          TlsListenerOptions.server(
              serverOptions(),
              TlsListenerOptions.ssl(l, material, config.headerTimeout()),
              engines.tls().equals("openssl")
                  ? new io.vertx.core.net.OpenSSLEngineOptions()
                  : new io.vertx.core.net.JdkSSLEngineOptions());
      tls = vertx.createHttpServer(o).exceptionHandler(this::handshakeFailed);
      handlers.accept(tls);
      all.add(tls);
      bound.add(tls.listen(shared(l.port(), -2), l.bindHost(config.host())));
    }
    return Future.all(bound).mapEmpty();
  }

  /**
   * New handshakes on the TLS port (every event loop's: the instances share one server) use {@code
   * m}; open connections keep the certificate they were made with.
   */
  Future<Boolean> updateTls(TlsListener l, TlsMaterial m) {
    if (tls == null) {
      return Future.succeededFuture(false);
    }
    return tls.updateSSLOptions(TlsListenerOptions.ssl(l, m, config.headerTimeout()), true);
  }

  /** The TLS listener's bound port, or -1 when there is none (or it is not listening yet). */
  int tlsPort() {
    return tls == null || tls.actualPort() <= 0 ? -1 : tls.actualPort();
  }

  /** Stops accepting on both ports, lets in-flight requests finish, then closes. */
  Future<Void> shutdown(Duration drain) {
    List<Future<Void>> closed = new ArrayList<>();
    for (HttpServer s : all) {
      closed.add(s.shutdown(drain.toMillis(), TimeUnit.MILLISECONDS));
    }
    return Future.join(closed).mapEmpty();
  }

  /**
   * A negative port makes all instances share one random port (port 0 means "pick one"); each
   * negative number is its own shared port, so the plain and the TLS listener take two.
   */
  private static int shared(int port, int randomId) {
    return port == 0 ? randomId : port;
  }

  /** An expected network event, not a bug: counted, and logged at DEBUG. */
  private void handshakeFailed(Throwable t) {
    TlsHandshakes.Reason r = handshakes.failed(t);
    LOG.debug("TLS handshake refused ({}): {}", r.label(), t.toString());
  }

  private HttpServerOptions serverOptions() {
    HttpServerOptions options = new HttpServerOptions();
    if (config.socketBufferBytes() > 0) {
      // Bounds what a client that reads slowly parks in the kernel (see ProxyConfig).
      options
          .setSendBufferSize(config.socketBufferBytes())
          .setReceiveBufferSize(config.socketBufferBytes());
    }
    return options
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxHeaderSize(config.maxHeaderSize())
        .setMaxInitialLineLength(config.maxInitialLineLength())
        .setHttp2ClearTextEnabled(false)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setHandle100ContinueAutomatically(false);
  }
}
