package io.httpsproxy.reload;

import io.httpsproxy.config.ProxyConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's current {@link NodeSettings}. Request paths read it once per use (a volatile read), so
 * a reload takes effect with the next request; what is held elsewhere (the admission's worker cap
 * and queue bound, the connection limits) is told through a listener.
 */
public final class LiveSettings {
  private static final Logger LOG = LoggerFactory.getLogger(LiveSettings.class);

  /** Told after each change, on the thread that applied it; must hand work to its own context. */
  @FunctionalInterface
  public interface Listener {
    void changed(NodeSettings before, NodeSettings after);
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile NodeSettings current;

  public LiveSettings(NodeSettings initial) {
    this.current = initial;
  }

  public NodeSettings get() {
    return current;
  }

  /** Shorthand for {@code get().config()}. */
  public ProxyConfig config() {
    return current.config();
  }

  public void onChange(Listener listener) {
    listeners.add(listener);
  }

  void replace(NodeSettings next) {
    NodeSettings before = current;
    current = next;
    for (Listener l : listeners) {
      try {
        l.changed(before, next);
      } catch (RuntimeException e) {
        // The snapshot is in place; one holder failing to follow must not hide that from the rest.
        LOG.error("config version {}: a listener failed to apply it", next.version(), e);
      }
    }
  }
}
