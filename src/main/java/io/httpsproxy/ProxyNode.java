package io.httpsproxy;

import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.cluster.ClusterSetup;
import io.httpsproxy.cluster.ClusterView;
import io.httpsproxy.cluster.Membership;
import io.httpsproxy.cluster.NodeDirectory;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.EgressDispatcherVerticle;
import io.httpsproxy.egress.UpstreamPool;
import io.httpsproxy.egress.UpstreamVerticle;
import io.httpsproxy.ingress.IngressVerticle;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.metrics.StatsReporter;
import io.httpsproxy.protocol.Addresses;
import io.httpsproxy.protocol.Codecs;
import io.httpsproxy.security.DestinationPolicy;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running proxy node: Vert.x (clustered or not), the upstream workers, the egress dispatcher,
 * the statistics reporter and the ingress servers, deployed in that order so it listens only when
 * it can serve.
 */
public final class ProxyNode {
  private final Vertx vertx;
  private final ProxyConfig config;
  private final ProxyStats stats = new ProxyStats();
  private final NodeDirectory nodes;
  private final String nodeId;
  private final ClusterView clusterView;
  private final AtomicInteger port = new AtomicInteger();
  private final List<IngressVerticle> ingresses = new CopyOnWriteArrayList<>();
  private EgressDispatcherVerticle dispatcher;

  private ProxyNode(Vertx vertx, ProxyConfig config, NodeDirectory nodes) {
    this.vertx = vertx;
    this.config = config;
    this.nodes = nodes;
    this.nodeId = nodes.selfId().substring(0, 8);
    this.clusterView = new ClusterView(vertx, stats, nodes.selfId(), nodes::nodes);
  }

  public static Future<ProxyNode> start(ProxyConfig config) {
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(config.eventLoops());
    if (!config.dnsServerList().isEmpty()) {
      options.setAddressResolverOptions(
          new AddressResolverOptions().setServers(config.dnsServerList()).setQueryTimeout(2_000));
    }
    if (!config.cluster().enabled()) {
      return deployOn(
          Vertx.vertx(options), config, NodeDirectory.single(UUID.randomUUID().toString()));
    }
    HazelcastClusterManager manager = ClusterSetup.clusterManager(config.cluster());
    options.setEventBusOptions(ClusterSetup.eventBus(config.cluster()));
    Promise<ProxyNode> started = Promise.promise();
    Vertx.builder()
        .with(options)
        .withClusterManager(manager)
        .buildClustered()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                started.fail(ar.cause());
                return;
              }
              Membership.log(manager);
              deployOn(ar.result(), config, NodeDirectory.clustered(manager)).onComplete(started);
            });
    return started.future();
  }

  private static Future<ProxyNode> deployOn(Vertx vertx, ProxyConfig config, NodeDirectory nodes) {
    ProxyNode node = new ProxyNode(vertx, config, nodes);
    // A failed start answers at once, then closes Vert.x: a close() started from an event loop
    // never completes its own future (its context is gone by then), so nothing waits on it.
    Promise<ProxyNode> started = Promise.promise();
    node.deploy()
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                started.complete(node);
              } else {
                started.fail(ar.cause());
                vertx.close();
              }
            });
    return started.future();
  }

  private Future<?> deploy() {
    Codecs.register(vertx);
    UpstreamPool pool = new UpstreamPool();
    ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections());
    ConnectionLimiter tunnelSlots = new ConnectionLimiter(config.maxTunnels());
    // The port is known only once ingress listens; until then no upstream call can run anyway.
    DestinationPolicy policy =
        DestinationPolicy.of(
            config.allowDestinations(), config.denyDestinations(), config.host(), port::get);
    DeploymentOptions perLoop = new DeploymentOptions().setInstances(config.eventLoops());
    dispatcher =
        new EgressDispatcherVerticle(config, pool, stats, nodeId, Addresses.egress(nodes.selfId()));
    return clusterView
        .start()
        .compose(
            v ->
                vertx.deployVerticle(
                    () -> new UpstreamVerticle(config, pool, policy, stats, nodeId), perLoop))
        .compose(id -> vertx.deployVerticle(dispatcher))
        .compose(id -> vertx.deployVerticle(new StatsReporter(stats, config.statsInterval())))
        .compose(
            id ->
                vertx.deployVerticle(
                    () -> {
                      IngressVerticle v =
                          new IngressVerticle(
                              config,
                              stats,
                              limiter,
                              tunnelSlots,
                              policy,
                              clusterView,
                              nodes,
                              port::set);
                      ingresses.add(v);
                      return v;
                    },
                    perLoop));
  }

  /**
   * Graceful stop, bounded by {@code drain}: the ingress stops accepting and lets its in-flight
   * requests finish; then the dispatcher stops taking work (other nodes send theirs elsewhere) and
   * finishes what it holds; then Vert.x closes and, when clustered, the node leaves the cluster.
   */
  public Future<Void> shutdown(Duration drain) {
    long deadline = System.nanoTime() + drain.toNanos();
    List<Future<Void>> drains = new ArrayList<>();
    for (IngressVerticle v : ingresses) {
      drains.add(v.drain(drain));
    }
    return Future.join(drains)
        .transform(
            ar -> dispatcher.drain(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))))
        .transform(ar -> vertx.close());
  }

  public int port() {
    return port.get();
  }

  public ProxyStats stats() {
    return stats;
  }

  public ProxyConfig config() {
    return config;
  }

  public String nodeId() {
    return nodeId;
  }

  public Vertx vertx() {
    return vertx;
  }
}
