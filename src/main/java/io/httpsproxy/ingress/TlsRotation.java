package io.httpsproxy.ingress;

import io.httpsproxy.config.TlsMaterial;
import io.httpsproxy.reload.LiveSettings;
import io.httpsproxy.reload.NodeSettings;
import io.httpsproxy.reload.Reloader;
import io.httpsproxy.reload.TlsFileWatcher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificate rotation: a reload (SIGHUP, {@code /admin/reload}, the files changed on disk) whose
 * TLS files or client-certificate rules changed hands them to the TLS listener before the reload
 * answers; if Vert.x refuses them, the reload is refused and the old certificate keeps serving.
 * Open connections are not touched: they keep the session they made.
 */
public final class TlsRotation {
  private static final Logger LOG = LoggerFactory.getLogger(TlsRotation.class);

  private TlsRotation() {}

  /**
   * Hooks the reloader and starts the watcher of the files on disk, once per node, after the TLS
   * listener listens. {@code ingress} is any of the node's ingress instances: they share one TLS
   * server.
   */
  public static void install(
      Vertx vertx, LiveSettings settings, Reloader reloader, Supplier<IngressVerticle> ingress) {
    new TlsFileWatcher(vertx, settings, reloader).start();
    reloader.beforeApply(
        (running, next) -> {
          TlsMaterial m = next.tls();
          if (m == null || !changed(running, next)) {
            return Future.succeededFuture();
          }
          return ingress
              .get()
              .updateTls(next.config().tls(), m)
              .onSuccess(
                  updated ->
                      LOG.info(
                          "TLS listener: new handshakes use certificate serial {} (expires {})",
                          m.serialHex(),
                          m.notAfter().toInstant()));
        });
  }

  private static boolean changed(NodeSettings running, NodeSettings next) {
    return !next.tlsChanged(running).isEmpty()
        || !running.config().tls().equals(next.config().tls());
  }
}
