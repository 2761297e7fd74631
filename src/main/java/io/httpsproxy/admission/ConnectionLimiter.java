package io.httpsproxy.admission;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps open client connections on a node. Shared by every ingress verticle (one per event loop), so
 * it is an atomic; the compare-and-set loop makes the cap exact, never overshot by a race.
 */
public final class ConnectionLimiter {
  private volatile int max;
  private final AtomicInteger open = new AtomicInteger();

  public ConnectionLimiter(int max) {
    this.max = max;
  }

  /** Takes a slot for a new connection; false when {@code max} are open already. */
  public boolean tryAcquire() {
    while (true) {
      int n = open.get();
      if (n >= max) {
        return false;
      }
      if (open.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /**
   * A new cap (on reload). Lowering it closes nothing: connections above the new cap stay until
   * they close, and new ones are refused until the count is under it.
   */
  public void setMax(int max) {
    this.max = max;
  }

  public void release() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }
}
