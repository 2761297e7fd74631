package io.httpsproxy.security;

import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The address blocks no egress proxy should reach by default (IANA special-purpose registries, RFC
 * 6890), each tagged with the rule it falls under. IPv6 forms that carry an IPv4 address
 * (IPv4-mapped and -compatible, NAT64, 6to4, Teredo) are refused as a whole; the message names the
 * class of the IPv4 address inside, so ::ffff:127.0.0.1 reads as loopback.
 */
public final class AddressClass {
  private static final Map<IPAddress, DenyRule> BLOCKS = new LinkedHashMap<>();

  static {
    block(DenyRule.UNSPECIFIED, "0.0.0.0/8", "::/128");
    block(DenyRule.LOOPBACK, "127.0.0.0/8", "::1/128");
    block(DenyRule.PRIVATE, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");
    block(DenyRule.SHARED, "100.64.0.0/10");
    block(DenyRule.LINK_LOCAL, "169.254.0.0/16", "fe80::/10");
    block(DenyRule.MULTICAST, "224.0.0.0/4", "ff00::/8");
    block(DenyRule.BROADCAST, "255.255.255.255/32");
    block(
        DenyRule.RESERVED,
        "192.0.0.0/24", // IETF protocol assignments
        "192.0.2.0/24", // TEST-NET-1
        "198.18.0.0/15", // benchmarking
        "198.51.100.0/24", // TEST-NET-2
        "203.0.113.0/24", // TEST-NET-3
        "240.0.0.0/4", // future use
        "100::/64", // discard-only
        "2001:db8::/32", // documentation
        "fec0::/10"); // deprecated site-local
    block(
        DenyRule.IPV4_EMBEDDED,
        "::ffff:0:0/96", // IPv4-mapped
        "::/96", // IPv4-compatible (deprecated)
        "64:ff9b::/96", // NAT64 well-known prefix
        "64:ff9b:1::/48", // NAT64 local-use
        "2002::/16", // 6to4
        "2001::/32"); // Teredo
  }

  private AddressClass() {}

  /** The rule that refuses {@code a} by default, or null for a public unicast address. */
  public static DenyRule of(IPAddress a) {
    for (Map.Entry<IPAddress, DenyRule> e : BLOCKS.entrySet()) {
      if (e.getKey().contains(a)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The IPv4 address an IPv6 address carries, or null. */
  public static IPv4Address embeddedIpv4(IPAddress a) {
    if (!(a instanceof IPv6Address v6)) {
      return null;
    }
    if (v6.isIPv4Mapped() || v6.isIPv4Compatible() || v6.isWellKnownIPv4Translatable()) {
      return v6.getEmbeddedIPv4Address();
    }
    if (v6.is6To4()) {
      return v6.get6To4IPv4Address();
    }
    if (v6.isTeredo()) {
      // RFC 4380 section 4: the client's address is the last 32 bits, inverted.
      IPv4Address raw = v6.getEmbeddedIPv4Address();
      return new IPv4Address(~raw.intValue());
    }
    return null;
  }

  private static void block(DenyRule rule, String... cidrs) {
    for (String c : cidrs) {
      BLOCKS.put(IpAddresses.parse(c).toPrefixBlock(), rule);
    }
  }
}
