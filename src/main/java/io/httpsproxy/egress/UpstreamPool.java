package io.httpsproxy.egress;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The node's upstream verticles, one per event loop. The dispatcher hands each started request to
 * the least busy one, so TLS and I/O work spread over every core.
 */
public final class UpstreamPool {
  private final CopyOnWriteArrayList<UpstreamVerticle> members = new CopyOnWriteArrayList<>();

  void register(UpstreamVerticle v) {
    members.add(v);
  }

  void unregister(UpstreamVerticle v) {
    members.remove(v);
  }

  /** Least active member; null when none is deployed. Loads are read racily (a hint only). */
  UpstreamVerticle pick() {
    UpstreamVerticle best = null;
    for (UpstreamVerticle v : members) {
      if (best == null || v.active() < best.active()) {
        best = v;
      }
    }
    return best;
  }
}
