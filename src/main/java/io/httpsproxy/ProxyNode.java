package io.httpsproxy;

import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.EgressDispatcherVerticle;
import io.httpsproxy.egress.UpstreamPool;
import io.httpsproxy.egress.UpstreamVerticle;
import io.httpsproxy.ingress.IngressVerticle;
import io.httpsproxy.metrics.ProxyMeters;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.metrics.Readiness;
import io.httpsproxy.metrics.StatsReporter;
import io.httpsproxy.protocol.Codecs;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running proxy node: Vert.x, the upstream workers, the egress dispatcher, the statistics
 * reporter and the ingress servers, deployed in that order so it listens only when it can serve. It
 * owns the node's meter registry (Vert.x, JVM and domain meters, all tagged with the node id) and
 * its readiness: not ready until every verticle is deployed, and again from the start of a drain.
 */
public final class ProxyNode {
  private final Vertx vertx;
  private final ProxyConfig config;
  private final String nodeId;
  private final PrometheusMeterRegistry registry;
  private final ProxyStats stats;
  private final Readiness readiness = new Readiness();
  private final AtomicBoolean deployed = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicInteger port = new AtomicInteger();
  private final List<IngressVerticle> ingresses = new CopyOnWriteArrayList<>();

  private ProxyNode(
      Vertx vertx, ProxyConfig config, String nodeId, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = nodeId;
    this.registry = registry;
    this.stats = new ProxyStats(registry, nodeId);
    readiness
        .add(() -> deployed.get() ? null : "starting")
        .add(() -> draining.get() ? "draining" : null);
    ProxyMeters.bind(registry, stats, config, readiness);
  }

  public static Future<ProxyNode> start(ProxyConfig config) {
    String nodeId = UUID.randomUUID().toString().substring(0, 8);
    VertxOptions options =
        new VertxOptions()
            .setEventLoopPoolSize(config.eventLoops())
            .setMetricsOptions(ProxyMeters.vertxOptions(nodeId));
    if (!config.dnsServerList().isEmpty()) {
      options.setAddressResolverOptions(
          new AddressResolverOptions().setServers(config.dnsServerList()).setQueryTimeout(2_000));
    }
    // The registry exists before Vert.x, so the node tag is on every meter Vert.x registers.
    PrometheusMeterRegistry registry = ProxyMeters.newRegistry(nodeId);
    Vertx vertx =
        Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
    ProxyNode node = new ProxyNode(vertx, config, nodeId, registry);
    // A failed start answers at once, then closes Vert.x: a close() started from an event loop
    // never completes its own future (its context is gone by then), so nothing waits on it.
    Promise<ProxyNode> started = Promise.promise();
    node.deploy()
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                node.deployed.set(true);
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
    DeploymentOptions perLoop = new DeploymentOptions().setInstances(config.eventLoops());
    return vertx
        .deployVerticle(() -> new UpstreamVerticle(config, pool, stats, nodeId), perLoop)
        .compose(
            id -> vertx.deployVerticle(new EgressDispatcherVerticle(config, pool, stats, nodeId)))
        .compose(id -> vertx.deployVerticle(new StatsReporter(stats, config.statsInterval())))
        .compose(
            id ->
                vertx.deployVerticle(
                    () -> {
                      IngressVerticle v =
                          new IngressVerticle(
                              config, stats, registry, readiness, limiter, port::set);
                      ingresses.add(v);
                      return v;
                    },
                    perLoop));
  }

  /**
   * Graceful stop: readiness goes false at once, no new connections, in-flight requests finish (at
   * most {@code drain}).
   */
  public Future<Void> shutdown(Duration drain) {
    startDraining();
    List<Future<Void>> drains = new ArrayList<>();
    for (IngressVerticle v : ingresses) {
      drains.add(v.drain(drain));
    }
    return Future.join(drains).transform(ar -> vertx.close());
  }

  /**
   * Turns readiness false ({@code /ready} answers 503 "draining") while the node still serves, so
   * that load balancers stop sending before it stops accepting. {@link #shutdown} starts with it:
   * from then on the listener is closed, and only in-process callers can still see readiness.
   */
  public void startDraining() {
    draining.set(true);
  }

  public int port() {
    return port.get();
  }

  public ProxyStats stats() {
    return stats;
  }

  public Readiness readiness() {
    return readiness;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
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
