package io.httpsproxy.security;

/**
 * Why a destination was refused: a small fixed set, so statistics and metrics stay low-cardinality
 * (never a host or an address).
 */
public enum DenyRule {
  LOOPBACK("loopback"),
  UNSPECIFIED("unspecified"),
  PRIVATE("private"),
  SHARED("shared-address-space"),
  LINK_LOCAL("link-local"),
  MULTICAST("multicast"),
  BROADCAST("broadcast"),
  RESERVED("reserved"),
  IPV4_EMBEDDED("ipv4-embedded"),
  DENY_LIST("denyDestinations"),
  PROXY_SELF("proxy-self"),
  CONNECT_PORT("connectPorts");

  private final String label;

  DenyRule(String label) {
    this.label = label;
  }

  /** The name shown in messages and statistics. */
  public String label() {
    return label;
  }

  /** The setting an operator would change to allow what this rule refused, said to the client. */
  public String remedy() {
    return switch (this) {
      case DENY_LIST -> "it is listed in denyDestinations";
      case PROXY_SELF -> "the proxy never calls its own listening ports";
      case CONNECT_PORT -> "add the port to connectPorts to open it";
      default -> "add the address or name to allowDestinations to open it";
    };
  }
}
