package io.httpsproxy.egress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The name resolver of one event loop: Netty's DnsNameResolver on this loop's thread, built here
 * rather than through Vert.x's AddressResolverOptions because three things are needed that Vert.x
 * does not expose: the kind of each failure (answer, SERVFAIL, no answer in time), the SOA minimum
 * of negative answers ({@link DnsAnswerSniffer}, first in the resolver's pipeline) and a node-wide
 * negative cache ({@link DnsNegativeCache}; Netty's own is off). The hosts file, the system's
 * resolvers (or {@code dnsServers}), search domains and positive caching by record TTL are Netty's
 * defaults, as they were with Vert.x's resolver.
 *
 * <p>Failures: NXDOMAIN, an answer with no address, SERVFAIL and REFUSED come back as soon as the
 * server says so (502 UPSTREAM_DNS) and are remembered; no answer within {@code dnsQueryTimeout} is
 * 504 UPSTREAM_DNS_TIMEOUT and is not remembered (the next request asks again).
 */
public final class UpstreamDns {
  /** Names whose last answers are kept for the failure that follows them. */
  private static final int SNIFFED_NAMES = 1024;

  private final DnsNameResolver resolver;
  private final DnsNegativeCache negative;
  private final Duration queryTimeout;
  private final Duration negativeTtl;

  // confined to this loop (the resolver's channel reads here): the last answers per name
  private final Map<String, DnsAnswerSniffer.Answer> sniffed =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DnsAnswerSniffer.Answer> e) {
          return size() > SNIFFED_NAMES;
        }
      };

  /** Built on {@code context}'s event loop, which it then resolves on. */
  public UpstreamDns(Vertx vertx, Context context, ProxyConfig config, DnsNegativeCache negative) {
    this.negative = negative;
    this.queryTimeout = config.resolver().queryTimeout();
    this.negativeTtl = config.resolver().negativeTtl();
    Transport transport = ((VertxInternal) vertx).transport();
    @SuppressWarnings("unchecked")
    ChannelFactory<SocketChannel> tcp =
        (ChannelFactory<SocketChannel>) transport.channelFactory(false);
    ChannelFactory<DatagramChannel> udp =
        () -> {
          DatagramChannel ch = transport.datagramChannel();
          ch.pipeline().addFirst(new DnsAnswerSniffer(this::answered));
          return ch;
        };
    this.resolver =
        new DnsNameResolverBuilder(((ContextInternal) context).nettyEventLoop())
            .datagramChannelFactory(udp)
            .socketChannelFactory(tcp)
            .nameServerProvider(servers(config))
            .queryTimeoutMillis(queryTimeout.toMillis())
            .negativeTtl(0)
            // Vert.x's defaults, kept: 4 queries per lookup, no EDNS0 (a truncated answer goes
            // over TCP instead), so upstream names resolve as they did through Vert.x.
            .maxQueriesPerResolve(4)
            .optResourceEnabled(false)
            .build();
  }

  /** Every address of {@code host} (a canonical name, not a literal), or a ProxyException. */
  public Future<List<InetAddress>> resolveAll(String host) {
    DnsNegativeCache.Failure remembered = negative.get(host);
    if (remembered != null) {
      return Future.failedFuture(
          new ProxyException(remembered.code(), remembered.message() + ", remembered"));
    }
    sniffed.remove(host);
    Promise<List<InetAddress>> promise = Promise.promise();
    resolver
        .resolveAll(host)
        .addListener(
            f -> {
              if (f.isSuccess() && !((List<?>) f.getNow()).isEmpty()) {
                @SuppressWarnings("unchecked")
                List<InetAddress> all = (List<InetAddress>) f.getNow();
                promise.complete(all);
                return;
              }
              promise.fail(failed(host, f.cause()));
            });
    return promise.future();
  }

  private ProxyException failed(String host, Throwable cause) {
    DnsAnswerSniffer.Answer answer = sniffed.get(host);
    ProxyException e = FailureClassifier.dns(host, cause, answer, queryTimeout);
    if (e.code() == FailureCode.UPSTREAM_DNS) {
      Duration ttl = negativeTtl;
      if (answer != null && answer.negativeTtlSeconds() >= 0) {
        ttl = min(ttl, Duration.ofSeconds(answer.negativeTtlSeconds()));
      }
      negative.put(host, e.code(), e.getMessage(), ttl);
    }
    return e;
  }

  private void answered(DnsAnswerSniffer.Answer answer) {
    // A and AAAA are answered apart: keep the worse code and the shorter negative TTL of the two.
    DnsAnswerSniffer.Answer before = sniffed.get(answer.name());
    if (before != null) {
      int rcode = answer.rcode() != DnsAnswerSniffer.NOERROR ? answer.rcode() : before.rcode();
      long a = before.negativeTtlSeconds();
      long b = answer.negativeTtlSeconds();
      long ttl = a < 0 ? b : b < 0 ? a : Math.min(a, b);
      answer =
          new DnsAnswerSniffer.Answer(
              answer.name(), rcode, before.answers() + answer.answers(), ttl);
    }
    sniffed.put(answer.name(), answer);
  }

  public void close() {
    resolver.close();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static DnsServerAddressStreamProvider servers(ProxyConfig config) {
    if (config.dnsServerList().isEmpty()) {
      return DnsServerAddressStreamProviders.platformDefault();
    }
    List<InetSocketAddress> servers =
        config.dnsServerList().stream()
            .map(
                e -> {
                  int colon = e.lastIndexOf(':');
                  String host = e.substring(0, colon).replace("[", "").replace("]", "");
                  return new InetSocketAddress(host, Integer.parseInt(e.substring(colon + 1)));
                })
            .toList();
    return new SequentialDnsServerAddressStreamProvider(servers);
  }
}
