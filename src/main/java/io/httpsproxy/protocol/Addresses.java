package io.httpsproxy.protocol;

/** Event-bus addresses, versioned so that nodes of different releases never exchange messages. */
public final class Addresses {
  /** Requests for an upstream call; consumed by one egress dispatcher per node. */
  public static final String EGRESS = "proxy.egress.v1";

  private Addresses() {}
}
