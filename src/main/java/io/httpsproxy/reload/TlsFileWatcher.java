package io.httpsproxy.reload;

import io.httpsproxy.config.TlsListener;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the TLS listener's files (modification time and size) every {@code tlsWatchInterval} and
 * re-reads them when one changed ({@link Reloader#reloadFiles}): a certificate renewed by certbot
 * or cert-manager is served without a SIGHUP. A renewal that writes the certificate and the key one
 * after the other may be seen half done: that read is refused (the old pair stays) and the next
 * poll, after the second write, applies the pair.
 */
public final class TlsFileWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(TlsFileWatcher.class);

  private final Vertx vertx;
  private final LiveSettings settings;
  private final Reloader reloader;

  // touched only by the periodic task, which never overlaps itself (see poll)
  private List<String> lastSeen;
  private boolean polling;

  public TlsFileWatcher(Vertx vertx, LiveSettings settings, Reloader reloader) {
    this.vertx = vertx;
    this.settings = settings;
    this.reloader = reloader;
  }

  /** Starts polling, when the listener is on and the interval is not 0. */
  public void start() {
    TlsListener tls = settings.config().tls();
    if (!tls.enabled() || tls.watchInterval().isZero()) {
      return;
    }
    long ms = Math.max(100, tls.watchInterval().toMillis());
    vertx
        .executeBlocking(() -> stamps(settings.config().tls()), false)
        .onSuccess(s -> lastSeen = s)
        .onComplete(ar -> vertx.setPeriodic(ms, ms, id -> poll()));
  }

  private void poll() {
    if (polling) {
      return; // a slow disk or a reload still running: the next tick looks again
    }
    polling = true;
    vertx
        .executeBlocking(() -> stamps(settings.config().tls()), false)
        .compose(
            now -> {
              if (Objects.equals(now, lastSeen)) {
                return io.vertx.core.Future.succeededFuture();
              }
              lastSeen = now;
              LOG.info("TLS files changed on disk: reading them again");
              return reloader.reloadFiles("TLS files changed on disk");
            })
        .onComplete(ar -> polling = false);
  }

  /** Modification time and size of each file; a missing file is stamped as such. */
  private static List<String> stamps(TlsListener tls) {
    List<String> out = new ArrayList<>();
    for (String f : List.of(tls.certFile(), tls.keyFile(), tls.clientCaFile())) {
      if (f.isEmpty()) {
        out.add("");
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(Path.of(f), BasicFileAttributes.class);
        out.add(a.lastModifiedTime() + ":" + a.size() + ":" + a.fileKey());
      } catch (IOException e) {
        out.add("missing");
      }
    }
    return out;
  }
}
