package io.httpsproxy.reload;

import io.httpsproxy.config.ProxyConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The node's current {@link NodeSettings}. Request paths read it once per use (a volatile read), so
 * a reload takes effect with the next request; what is held elsewhere (the dispatcher's worker cap,
 * the upstream connection pools, the connection limits) is told through a listener.
 */
public final class LiveSettings {
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
      l.changed(before, next);
    }
  }
}
