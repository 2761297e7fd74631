package io.httpsproxy.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * "The client has gone", for a {@link Downstream}: raised once, it runs every action registered
 * before, and {@link #gone()} stays true. Confined to the exchange's event loop.
 */
public final class GoneSignal {
  private final List<Runnable> actions = new ArrayList<>(1);
  private boolean gone;

  public boolean gone() {
    return gone;
  }

  public void onGone(Runnable action) {
    actions.add(action);
  }

  /** True when someone was listening (a running exchange); false the second time too. */
  public boolean raise() {
    if (gone) {
      return false;
    }
    gone = true;
    actions.forEach(Runnable::run);
    return !actions.isEmpty();
  }
}
