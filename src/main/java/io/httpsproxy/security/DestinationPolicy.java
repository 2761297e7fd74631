package io.httpsproxy.security;

import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Decides whether the proxy may connect to a destination (SSRF defence). Deny by default for every
 * special-purpose block of {@link AddressClass}; the configuration opens or closes more:
 *
 * <ol>
 *   <li>{@code denyDestinations} wins over everything: a name pattern refuses the name, a CIDR
 *       refuses any resolved address in it (also when it hides inside an IPv6 form);
 *   <li>the proxy's own listening port on one of its own addresses is always refused (a loop);
 *   <li>a name matched by an {@code allowDestinations} pattern is trusted with whatever it resolves
 *       to; a CIDR in it opens exactly that block (an IPv4 CIDR does not open the IPv6 forms that
 *       embed it);
 *   <li>every other address must be outside the default-denied blocks.
 * </ol>
 *
 * Every resolved address is checked; one refused address refuses the request. Immutable and
 * thread-safe.
 */
public final class DestinationPolicy {
  /** A refusal: the rule (for statistics) and a message safe to show the client. */
  public record Denial(DenyRule rule, String message) {}

  private final List<DestinationRule> allow;
  private final List<DestinationRule> deny;
  private final IntSupplier selfPort;
  private final IntSupplier adminPort;
  private final Set<Integer> otherOwnPorts;
  private final Set<IPAddress> selfAddresses;

  public DestinationPolicy(
      List<DestinationRule> allow,
      List<DestinationRule> deny,
      IntSupplier selfPort,
      Set<IPAddress> selfAddresses) {
    this(allow, deny, selfPort, () -> -1, Set.of(), selfAddresses);
  }

  private DestinationPolicy(
      List<DestinationRule> allow,
      List<DestinationRule> deny,
      IntSupplier selfPort,
      IntSupplier adminPort,
      Set<Integer> otherOwnPorts,
      Set<IPAddress> selfAddresses) {
    this.allow = List.copyOf(allow);
    this.deny = List.copyOf(deny);
    this.selfPort = selfPort;
    this.adminPort = adminPort;
    this.otherOwnPorts = Set.copyOf(otherOwnPorts);
    this.selfAddresses = Set.copyOf(selfAddresses);
  }

  /** Builds the policy of a node from its config strings (already validated at start-up). */
  public static DestinationPolicy of(
      List<String> allow, List<String> deny, String bindHost, IntSupplier selfPort) {
    return of(allow, deny, bindHost, selfPort, Set.of());
  }

  /**
   * As above, also refusing the node's other listening ports on its own addresses (the Hazelcast
   * and event-bus ports of a clustered node), so the proxy cannot be made to talk to its own
   * cluster.
   */
  public static DestinationPolicy of(
      List<String> allow,
      List<String> deny,
      String bindHost,
      IntSupplier selfPort,
      Set<Integer> otherOwnPorts) {
    return new DestinationPolicy(
        rules(allow), rules(deny), selfPort, () -> -1, otherOwnPorts, selfAddresses(bindHost));
  }

  /**
   * As above, also refusing the admin listener ({@code adminPort}, known once it listens, on {@code
   * adminHost}): through the proxy a client would otherwise reach {@code /stats} and, from the
   * node's own loopback address, {@code POST /admin/reload}.
   */
  public static DestinationPolicy of(
      List<String> allow,
      List<String> deny,
      String bindHost,
      IntSupplier selfPort,
      String adminHost,
      IntSupplier adminPort,
      Set<Integer> otherOwnPorts) {
    Set<IPAddress> self = new HashSet<>(selfAddresses(bindHost));
    self.addAll(selfAddresses(adminHost));
    return new DestinationPolicy(
        rules(allow), rules(deny), selfPort, adminPort, otherOwnPorts, self);
  }

  /**
   * Checks a canonical host and every address it resolved to.
   *
   * @return null when allowed, else the denial
   */
  public Denial check(String host, int port, List<IPAddress> addresses) {
    for (DestinationRule r : deny) {
      if (r.matchesHost(host)) {
        return denial(DenyRule.DENY_LIST, "host matches a denyDestinations entry");
      }
    }
    for (IPAddress a : addresses) {
      if (deniedByList(a)) {
        return denial(DenyRule.DENY_LIST, "address matches a denyDestinations entry");
      }
      if (isOwnPort(port) && isSelf(a)) {
        return denial(DenyRule.PROXY_SELF, "the destination is this proxy");
      }
    }
    for (DestinationRule r : allow) {
      if (r.matchesHost(host)) {
        return null;
      }
    }
    for (IPAddress a : addresses) {
      Denial d = checkAddress(a);
      if (d != null) {
        return d;
      }
    }
    return null;
  }

  private Denial checkAddress(IPAddress a) {
    for (DestinationRule r : allow) {
      if (r.matchesAddress(a)) {
        return null;
      }
    }
    DenyRule rule = AddressClass.of(a);
    if (rule == null) {
      return null;
    }
    if (rule == DenyRule.IPV4_EMBEDDED) {
      IPv4Address inner = AddressClass.embeddedIpv4(a);
      DenyRule innerRule = inner == null ? null : AddressClass.of(inner);
      String what = innerRule == null ? "an IPv4 address" : "a " + innerRule.label() + " address";
      return denial(rule, "IPv6 address embeds " + what);
    }
    return denial(rule, "address is in a " + rule.label() + " range");
  }

  private boolean deniedByList(IPAddress a) {
    IPv4Address inner = AddressClass.embeddedIpv4(a);
    for (DestinationRule r : deny) {
      if (r.matchesAddress(a) || (inner != null && r.matchesAddress(inner))) {
        return true;
      }
    }
    return false;
  }

  private boolean isOwnPort(int port) {
    return port == selfPort.getAsInt()
        || port == adminPort.getAsInt()
        || otherOwnPorts.contains(port);
  }

  private boolean isSelf(IPAddress a) {
    IPAddress plain = IpAddresses.unmapped(a);
    return plain.isLoopback() || plain.isAnyLocal() || selfAddresses.contains(plain);
  }

  private static Denial denial(DenyRule rule, String why) {
    return new Denial(
        rule,
        "destination denied by rule '" + rule.label() + "': " + why + " (" + rule.remedy() + ")");
  }

  private static List<DestinationRule> rules(List<String> entries) {
    List<DestinationRule> out = new ArrayList<>();
    entries.forEach(e -> out.add(DestinationRule.parse(e)));
    return out;
  }

  /** The bind address, or every local interface address when bound to the wildcard. */
  static Set<IPAddress> selfAddresses(String bindHost) {
    Set<IPAddress> out = new HashSet<>();
    IPAddress bound = IpAddresses.parseAddress(bindHost);
    if (bound != null && !bound.isAnyLocal()) {
      out.add(bound);
      return out;
    }
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress ia : Collections.list(ni.getInetAddresses())) {
          out.add(IpAddresses.of(ia).withoutPrefixLength());
        }
      }
    } catch (SocketException e) {
      // Loopback and the wildcard are still refused; interface addresses are a best effort.
    }
    return out;
  }
}
