package io.httpsproxy.protocol;

/** Event-bus addresses, versioned so that nodes of different releases never exchange messages. */
public final class Addresses {
  /** Requests for an upstream call; each node's dispatcher consumes {@link #egress(String)}. */
  public static final String EGRESS = "proxy.egress.v1";

  /** A node's own egress address: the ingress chooses the node, the event bus only carries. */
  public static String egress(String nodeId) {
    return EGRESS + "." + nodeId;
  }

  /** Prefix of each node's statistics address; the node's cluster id follows. */
  public static final String STATS_PREFIX = "proxy.stats.v1.";

  /** Prefix of each node's reload address; the node's cluster id follows. */
  public static final String RELOAD_PREFIX = "proxy.reload.v1.";

  public static String reload(String nodeId) {
    return RELOAD_PREFIX + nodeId;
  }

  private Addresses() {}
}
