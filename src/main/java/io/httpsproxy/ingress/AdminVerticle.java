package io.httpsproxy.ingress;

import io.httpsproxy.config.AdminListener;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.reload.LiveSettings;
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
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener ({@code adminPort}): the node's own endpoints and nothing else, one instance
 * per node. Its connections are not counted against {@code maxConnections} (that is its point: a
 * full proxy port must not hide {@code /health} and {@code /metrics}); it has its own small cap.
 * The same gate as on the proxy port applies: {@code /health} and {@code /ready} open, the rest
 * open to loopback and authenticated otherwise. {@code allowClients} is for proxy clients and does
 * not apply here: the bind address ({@code adminHost}, loopback by default) is what keeps it
 * private.
 */
public final class AdminVerticle extends VerticleBase {
  /** Connections beyond this are closed at once: monitoring needs a handful. */
  static final int MAX_CONNECTIONS = 64;

  private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);

  private final AdminListener listener;
  private final int maxHeaderSize;
  private final LiveSettings settings;
  private final AdminRoutes routes;
  private final IntConsumer boundPort;

  // confined to this verticle's event loop
  private int open;
  private Router router;
  private AccessGate gate;

  /** {@code parts} are the node's (the ingress verticles get the same). */
  public AdminVerticle(IngressVerticle.Parts parts, IntConsumer boundPort) {
    this.settings = parts.settings();
    this.listener = settings.config().admin();
    this.maxHeaderSize = settings.config().maxHeaderSize();
    this.routes =
        new AdminRoutes(
            settings,
            parts.stats(),
            parts.registry(),
            parts.readiness(),
            parts.cluster(),
            parts.reloader(),
            parts.cache());
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    router = routes.router(vertx);
    gate = new AccessGate(vertx, settings);
    HttpServer server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setIdleTimeout(60)
                    .setIdleTimeoutUnit(TimeUnit.SECONDS)
                    .setMaxHeaderSize(maxHeaderSize)
                    .setHttp2ClearTextEnabled(false)
                    .setCompressionSupported(false))
            .connectionHandler(this::onConnection)
            .requestHandler(this::onRequest);
    return server
        .listen(listener.port(), listener.host())
        .onSuccess(
            s -> {
              LOG.info("admin listening on {}:{}", listener.host(), s.actualPort());
              boundPort.accept(s.actualPort());
            });
  }

  private void onConnection(HttpConnection conn) {
    if (open >= MAX_CONNECTIONS) {
      LOG.debug("admin connection from {} closed: {} open", conn.remoteAddress(), open);
      conn.close();
      return;
    }
    open++;
    conn.closeHandler(v -> open--);
  }

  private void onRequest(HttpServerRequest req) {
    RequestTrace trace = RequestTrace.start(req);
    String path = req.path() == null ? "" : req.path();
    if (req.method() == HttpMethod.CONNECT
        || Target.isAbsoluteHttpUrl(req.uri())
        || path.equals(AdminRoutes.API_PATH)) {
      ErrorResponder.send(
          req,
          new ProxyException(
              FailureCode.NOT_FOUND,
              "this is the admin listener (adminPort): proxy requests and the fetch API go to"
                  + " the proxy port"),
          trace.id());
      return;
    }
    AccessGate.Kind kind = AccessGate.adminKind(path);
    SocketAddress remote = req.remoteAddress();
    Future<AccessGate.Caller> admitted =
        gate.admit(req, kind, remote == null ? null : remote.hostAddress());
    if (admitted.isComplete()) {
      answer(req, trace, admitted);
      return;
    }
    req.pause(); // PBKDF2 runs off the loop: keep what the client sends meanwhile
    admitted.onComplete(
        ar -> {
          answer(req, trace, admitted);
          req.resume();
        });
  }

  private void answer(
      HttpServerRequest req, RequestTrace trace, Future<AccessGate.Caller> admitted) {
    if (admitted.succeeded()) {
      router.handle(req);
    } else {
      ErrorResponder.send(
          req, ErrorResponder.toProxyException(admitted.cause(), trace.id()), trace.id());
    }
  }
}
