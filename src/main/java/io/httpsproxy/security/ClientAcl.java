package io.httpsproxy.security;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may use the proxy: client addresses inside {@code allowClients}. Immutable and thread-safe. A
 * dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d; they are matched as a.b.c.d.
 */
public final class ClientAcl {
  private final List<IPAddress> blocks;

  private ClientAcl(List<IPAddress> blocks) {
    this.blocks = List.copyOf(blocks);
  }

  /** From validated CIDR strings (see ProxyConfig). */
  public static ClientAcl of(List<String> cidrs) {
    List<IPAddress> out = new ArrayList<>();
    cidrs.forEach(c -> out.add(IpAddresses.parse(c).toPrefixBlock()));
    return new ClientAcl(out);
  }

  /** True when {@code hostAddress} (a textual IP) is inside an allowed block. */
  public boolean allows(String hostAddress) {
    IPAddress a = hostAddress == null ? null : IpAddresses.parseAddress(hostAddress);
    if (a == null) {
      return false;
    }
    IPAddress plain = IpAddresses.unmapped(a);
    for (IPAddress b : blocks) {
      if (b.getIPVersion() == plain.getIPVersion() && b.contains(plain)) {
        return true;
      }
    }
    return false;
  }
}
