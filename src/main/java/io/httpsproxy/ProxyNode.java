package io.httpsproxy;

import io.httpsproxy.admission.Admission;
import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.admission.MemoryGuard;
import io.httpsproxy.cache.ResponseCache;
import io.httpsproxy.cluster.ClusterJoin;
import io.httpsproxy.cluster.ClusterView;
import io.httpsproxy.cluster.NodeDirectory;
import io.httpsproxy.cluster.NodeFence;
import io.httpsproxy.config.ConfigSource;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.DnsNegativeCache;
import io.httpsproxy.egress.Engines;
import io.httpsproxy.ingress.AccessLog;
import io.httpsproxy.ingress.AdminVerticle;
import io.httpsproxy.ingress.IngressVerticle;
import io.httpsproxy.metrics.ProxyMeters;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.metrics.Readiness;
import io.httpsproxy.metrics.StatsReporter;
import io.httpsproxy.protocol.Codecs;
import io.httpsproxy.protocol.StreamRouter;
import io.httpsproxy.reload.LiveSettings;
import io.httpsproxy.reload.LogLevels;
import io.httpsproxy.reload.NodeSettings;
import io.httpsproxy.reload.Reloader;
import io.httpsproxy.security.DestinationPolicy;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
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
 * One running proxy node: Vert.x (clustered or not), the node's admission and stream router, the
 * statistics reporter and the ingress servers (each with its event loop's workers), deployed in
 * that order so it listens only when it can serve. It owns the node's meter registry (Vert.x, JVM
 * and domain meters, all tagged with the nodeName) and its readiness: not ready until every
 * verticle is deployed, and again from the start of a drain.
 *
 * <p>A node has one name, {@link #nodeName()} (the {@code nodeName} setting): it tags every meter
 * and names the node in answers, logs and stats. Only event-bus addressing uses the id the cluster
 * manager gives it ({@link NodeDirectory#selfId()}, a UUID per process), never shown to operators.
 */
public final class ProxyNode {
  private final Vertx vertx;

  /** The start-up config: what a reload cannot change is read from here. */
  private final ProxyConfig config;

  private final LiveSettings settings;
  private final Reloader reloader;
  private final String nodeName;
  private final PrometheusMeterRegistry registry;
  private final ProxyStats stats;
  private final Engines engines;
  private final NodeDirectory nodes;
  private final ClusterView clusterView;
  private final Readiness readiness = new Readiness();
  private final AtomicBoolean deployed = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();

  /** The stop under way, once {@link #shutdown} was called. */
  private Future<Void> stopping;

  private final AtomicInteger port = new AtomicInteger();
  private final AtomicInteger adminPort = new AtomicInteger(-1);
  private final List<IngressVerticle> ingresses = new CopyOnWriteArrayList<>();
  private final AtomicInteger loops = new AtomicInteger();
  private final Admission admission;
  private final MemoryGuard memory;
  private final ResponseCache cache;
  private final StreamRouter router;

  /** Failed upstream lookups, remembered for every event loop of the node. */
  private final DnsNegativeCache dnsFailures = new DnsNegativeCache();

  private ProxyNode(
      Vertx vertx,
      ProxyConfig config,
      ConfigSource source,
      String nodeName,
      PrometheusMeterRegistry registry,
      NodeDirectory nodes) {
    this.vertx = vertx;
    this.config = config;
    this.nodeName = nodeName;
    this.registry = registry;
    this.nodes = nodes;
    this.stats = new ProxyStats(registry, nodeName);
    this.engines = Engines.of(config, vertx);
    this.admission =
        new Admission(
            vertx, config.workers(), config.queueSize(), stats.queued(), stats.busyWorkers());
    this.router = new StreamRouter(vertx, nodes.selfId());
    nodes.onRemoved(router::peerLost);
    // The port is known only once ingress listens; until then no upstream call can run anyway.
    NodeSettings.PolicyFactory policies =
        (allow, deny) ->
            DestinationPolicy.of(
                allow,
                deny,
                config.host(),
                port::get,
                config.admin().host(),
                adminPort::get,
                config.tls().withOwnPort(config.cluster().ownPorts()));
    this.settings = new LiveSettings(NodeSettings.initial(config, policies));
    this.memory =
        new MemoryGuard(
            () -> settings.config().memory().pressure(),
            () -> settings.config().memory().critical());
    this.cache = new ResponseCache(() -> settings.config().cache(), memory);
    this.reloader = new Reloader(vertx, source, settings, policies, nodes, nodeName);
    this.clusterView =
        new ClusterView(
            vertx,
            () ->
                stats
                    .snapshot()
                    .put("readiness", readiness.toJson())
                    .put("config", settings.get().versionJson())
                    .put("limits", settings.get().limitsJson())
                    .put("engines", engines.toJson())
                    .put("memory", memory.toJson())
                    .put("cache", cache.toJson())
                    .put("auth", settings.get().authGuard().toJson())
                    .put("fence", nodes.fence().toJson()),
            nodes);
    readiness
        .add(() -> deployed.get() ? null : "starting")
        .add(() -> draining.get() ? "draining" : null);
    ProxyMeters.bind(registry, stats, settings::config, readiness);
    ProxyMeters.bindMemory(registry, memory);
    ProxyMeters.bindCache(registry, cache);
    ProxyMeters.bindAuth(registry, settings.get().authGuard());
    ProxyMeters.bindCluster(registry, () -> nodes.nodes().size());
  }

  /** A node whose reload re-reads nothing: for callers that hold only a config record. */
  public static Future<ProxyNode> start(ProxyConfig config) {
    return start(config, ConfigSource.fixed(config));
  }

  /** Loads the config from {@code source}, which every reload reads again. */
  public static Future<ProxyNode> start(ConfigSource source) {
    return start(source.load(), source);
  }

  /** Starts with {@code config}, already read from {@code source}. */
  public static Future<ProxyNode> start(ProxyConfig config, ConfigSource source) {
    String nodeName = config.nodeName();
    VertxOptions options =
        new VertxOptions()
            .setEventLoopPoolSize(config.eventLoops())
            .setPreferNativeTransport(config.nativeTransport())
            // Unique per process even when two nodes in one JVM (tests) share a nodeName.
            .setMetricsOptions(
                ProxyMeters.vertxOptions(
                    nodeName + "-" + UUID.randomUUID(), config.vertxRequestMetrics()));
    if (!config.dnsServerList().isEmpty()) {
      options.setAddressResolverOptions(
          new AddressResolverOptions()
              .setServers(config.dnsServerList())
              .setQueryTimeout(config.resolver().queryTimeout().toMillis()));
    }
    // The registry exists before Vert.x, so the node tag is on every meter Vert.x registers.
    PrometheusMeterRegistry registry = ProxyMeters.newRegistry(nodeName);
    VertxBuilder builder =
        Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry));
    // Single nodes too: a frozen node's clients may have left while it was stopped.
    NodeFence fence = NodeFence.create().start();
    if (!config.cluster().enabled()) {
      return deployOn(
          builder.build(),
          config,
          source,
          nodeName,
          registry,
          NodeDirectory.single(UUID.randomUUID().toString(), nodeName, fence));
    }
    return ClusterJoin.join(builder, options, config.cluster(), nodeName, fence)
        .compose(j -> deployOn(j.vertx(), config, source, nodeName, registry, j.nodes()));
  }

  private static Future<ProxyNode> deployOn(
      Vertx vertx,
      ProxyConfig config,
      ConfigSource source,
      String nodeName,
      PrometheusMeterRegistry registry,
      NodeDirectory nodes) {
    ProxyNode node = new ProxyNode(vertx, config, source, nodeName, registry, nodes);
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
                nodes.fence().stop();
                started.fail(ar.cause());
                vertx.close();
              }
            });
    return started.future();
  }

  private Future<?> deploy() {
    Codecs.register(vertx);
    LogLevels.apply(config.logLevel());
    ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections());
    ConnectionLimiter tunnelSlots = new ConnectionLimiter(config.maxTunnels());
    settings.onChange(
        (before, after) -> {
          limiter.setMax(after.config().maxConnections());
          tunnelSlots.setMax(after.config().maxTunnels());
          admission.setLimits(after.config().workers(), after.config().queueSize());
          LogLevels.apply(after.config().logLevel());
          cache.apply(before.config().cache(), after.config().cache());
        });
    DeploymentOptions perLoop = new DeploymentOptions().setInstances(config.eventLoops());
    AccessLog.configure(config.accessLog());
    AccessLog accessLog = new AccessLog(config.accessLogPaths(), nodeName);
    IngressVerticle.Parts parts =
        new IngressVerticle.Parts(
            config,
            settings,
            stats,
            registry,
            readiness,
            limiter,
            tunnelSlots,
            clusterView,
            nodes,
            reloader,
            accessLog,
            admission,
            router,
            engines,
            nodeName,
            memory,
            dnsFailures,
            cache);
    return clusterView
        .start()
        .compose(v -> reloader.start())
        .compose(v -> router.start())
        .compose(v -> vertx.deployVerticle(new StatsReporter(stats, config.statsInterval())))
        .compose(
            id ->
                vertx.deployVerticle(
                    () -> {
                      IngressVerticle v =
                          new IngressVerticle(parts, loops.getAndIncrement(), port::set);
                      ingresses.add(v);
                      return v;
                    },
                    perLoop))
        .compose(
            id ->
                config.admin().enabled()
                    ? vertx.deployVerticle(new AdminVerticle(parts, adminPort::set))
                    : Future.succeededFuture(id));
  }

  /** The limits in force, so the dashboard can show each node's use against them. */
  /** The socket transport and upstream TLS this node runs with (settings vs. platform). */
  public Engines engines() {
    return engines;
  }

  /**
   * Graceful stop, bounded by {@code drain}: readiness goes false at once; the ingress stops
   * accepting and lets its in-flight requests finish; then the workers stop taking work from other
   * nodes (they send theirs elsewhere) and finish what they hold, queued, running or streaming;
   * what is still queued at the deadline is answered SHUTTING_DOWN; then Vert.x closes and, when
   * clustered, the node leaves the cluster.
   */
  public synchronized Future<Void> shutdown(Duration drain) {
    if (stopping != null) {
      return stopping; // a second stop (a signal during a test's own) joins the first
    }
    startDraining();
    long deadline = System.nanoTime() + drain.toNanos();
    List<Future<Void>> drains = new ArrayList<>();
    for (IngressVerticle v : ingresses) {
      drains.add(v.drain(drain));
    }
    stopping =
        Future.join(drains)
            .transform(
                ar -> Future.join(ingresses.stream().map(IngressVerticle::stopRemoteWork).toList()))
            .transform(ar -> awaitIdle(deadline))
            .transform(
                ar -> {
                  admission.close();
                  memory.close();
                  nodes.fence().stop();
                  return vertx.close();
                });
    return stopping;
  }

  /** Completes when nothing is queued, running or streaming here, or at {@code deadlineNanos}. */
  private Future<Void> awaitIdle(long deadlineNanos) {
    Promise<Void> idle = Promise.promise();
    pollIdle(idle, deadlineNanos);
    return idle.future();
  }

  private void pollIdle(Promise<Void> idle, long deadlineNanos) {
    if ((admission.idle() && router.open() == 0) || System.nanoTime() >= deadlineNanos) {
      idle.tryComplete();
      return;
    }
    vertx.setTimer(20, id -> pollIdle(idle, deadlineNanos));
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

  /** The TLS listener's port, or -1 when there is none. */
  public int tlsPort() {
    return ingresses.isEmpty() ? -1 : ingresses.get(0).tlsPort();
  }

  /** The admin listener's port, or -1 when there is none. */
  public int adminPort() {
    return adminPort.get();
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

  /** The config in force now (the start-up one, or the last reload's). */
  public ProxyConfig config() {
    return settings.config();
  }

  public LiveSettings settings() {
    return settings;
  }

  public Reloader reloader() {
    return reloader;
  }

  /** The node's one name ({@code nodeName}): metrics label, logs, stats, dashboard. */
  public String nodeName() {
    return nodeName;
  }

  public Vertx vertx() {
    return vertx;
  }
}
