package io.httpsproxy.protocol;

/** Event-bus addresses, versioned so that nodes of different releases never exchange messages. */
public final class Addresses {
  /** Requests for an upstream call from other nodes; every event loop of a node consumes it. */
  public static final String EGRESS = "proxy.egress.v2";

  /** A node's own egress address: the ingress chooses the node, the event bus only carries. */
  public static String egress(String nodeId) {
    return EGRESS + "." + nodeId;
  }

  /**
   * The worker on one event loop of this node, for requests that entered on that loop: delivered
   * locally, on the same thread, with the client connection in the message ({@link LocalCall}).
   */
  public static String local(String nodeId, int loop) {
    return EGRESS + "." + nodeId + ".local." + loop;
  }

  /** Where a node receives the body frames of exchanges that cross to or from other nodes. */
  public static String stream(String nodeId) {
    return "proxy.stream.v1." + nodeId;
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
