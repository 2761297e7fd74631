package io.httpsproxy.egress;

import inet.ipaddr.IPAddress;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.DestinationPolicy;
import io.httpsproxy.security.Hosts;
import io.httpsproxy.security.IpAddresses;
import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one gate between a destination and a connection, used by upstream calls and CONNECT tunnels
 * alike: canonicalise the host, resolve it ONCE, check every address with the {@link
 * DestinationPolicy}, and hand back the exact address that was checked. Callers connect to that
 * address and keep the name for Host, SNI and certificate checks, so a resolver that answers
 * differently a second time (DNS rebinding) is never asked a second time.
 *
 * <p>Resolution uses this loop's {@link UpstreamDns} (dnsServers, hosts file, search domains,
 * positive and negative caches), asynchronous and returning every address of a name.
 */
public final class DestinationResolver {
  private final UpstreamDns dns;
  private final Supplier<DestinationPolicy> policy;
  private final ProxyStats stats;

  /** {@code policy} is read at each check, so a reload applies to the next destination. */
  public DestinationResolver(
      UpstreamDns dns, Supplier<DestinationPolicy> policy, ProxyStats stats) {
    this.dns = dns;
    this.policy = policy;
    this.stats = stats;
  }

  /**
   * The checked address to connect to, or a failure: BAD_REQUEST (host), UPSTREAM_DNS,
   * DESTINATION_DENIED (counted by rule here).
   */
  public Future<SocketAddress> resolve(String rawHost, int port) {
    String host;
    try {
      host = Hosts.canonical(rawHost);
    } catch (ProxyException e) {
      return Future.failedFuture(e);
    }
    IPAddress literal = IpAddresses.parseAddress(host);
    if (literal != null) {
      // Checked as written: ::ffff:127.0.0.1 stays an IPv6 form, whatever InetAddress makes of it.
      return decide(host, port, List.of(literal), literal.toInetAddress());
    }
    return lookup(host)
        .compose(
            addresses -> {
              List<IPAddress> ips = new ArrayList<>(addresses.size());
              addresses.forEach(a -> ips.add(IpAddresses.of(a)));
              return decide(host, port, ips, addresses.get(0));
            });
  }

  private Future<SocketAddress> decide(
      String host, int port, List<IPAddress> checked, InetAddress connectTo) {
    DestinationPolicy.Denial d = policy.get().check(host, port, checked);
    if (d != null) {
      stats.destinationDenied(d.rule());
      return Future.failedFuture(new ProxyException(FailureCode.DESTINATION_DENIED, d.message()));
    }
    return Future.succeededFuture(
        SocketAddress.inetSocketAddress(new InetSocketAddress(connectTo, port)));
  }

  private Future<List<InetAddress>> lookup(String host) {
    return dns.resolveAll(host);
  }
}
