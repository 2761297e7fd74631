package io.httpsproxy.protocol;

/** Event-bus addresses, versioned so that nodes of different releases never exchange messages. */
public final class Addresses {
  /** Requests for an upstream call; consumed by one egress dispatcher per node. */
  public static final String EGRESS = "proxy.egress.v1";

  /** Prefix of each node's statistics address; the node's cluster id follows. */
  public static final String STATS_PREFIX = "proxy.stats.v1.";

  private Addresses() {}
}
