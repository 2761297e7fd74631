package io.httpsproxy.metrics;

import io.httpsproxy.admission.MemoryGuard;
import io.httpsproxy.cache.CacheStatus;
import io.httpsproxy.cache.ResponseCache;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Outcome;
import io.httpsproxy.security.AuthGuard;
import io.httpsproxy.security.DenyRule;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.Match;
import io.vertx.micrometer.MatchType;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The one place that names meters. Counters and gauges are functions over {@link ProxyStats}, so
 * {@code /metrics}, {@code /stats} and the periodic log read the same numbers; the timers live in
 * the registry and {@link ProxyStats} records into them. Every meter carries the common tag {@code
 * node}; the other tags are small enums (outcome, failure code, status class): never a URL, host or
 * client.
 */
public final class ProxyMeters {
  public static final String NODE_TAG = "node";
  public static final String UPSTREAM_POOL = "upstream";

  public static final String REQUESTS = "proxy.requests";
  public static final String FAILURES = "proxy.failures";
  public static final String UPSTREAM_RESPONSES = "proxy.upstream.responses";
  public static final String CONNECTIONS = "proxy.connections";
  public static final String CONNECTIONS_ACTIVE = "proxy.connections.active";
  public static final String QUEUE_DEPTH = "proxy.queue.depth";
  public static final String WORKERS_BUSY = "proxy.workers.busy";
  public static final String AWAITING_REPLY = "proxy.awaiting.reply";
  public static final String TUNNELS = "proxy.tunnels";
  public static final String TUNNELS_ACTIVE = "proxy.tunnels.active";
  public static final String TUNNEL_BYTES = "proxy.tunnel.bytes";
  public static final String READY = "proxy.ready";
  public static final String LIMIT = "proxy.limit";
  public static final String REQUEST_DURATION = "proxy.request.duration";
  public static final String QUEUE_WAIT = "proxy.queue.wait";
  public static final String UPSTREAM_DURATION = "proxy.upstream.duration";
  public static final String MEMORY = "proxy.memory.bytes";
  public static final String MEMORY_LEVEL = "proxy.memory.level";
  public static final String MEMORY_SHED = "proxy.memory.shed";
  public static final String AUTH_FAILURES = "proxy.auth.failures";
  public static final String TLS_HANDSHAKE_FAILURES = "proxy.tls.handshake.failures";
  public static final String AUTH_LOCKOUTS = "proxy.auth.lockouts";
  public static final String AUTH_LOCKED = "proxy.auth.locked";
  public static final String AUTH_BUSY = "proxy.auth.busy";
  public static final String AUTH_VERIFICATIONS = "proxy.auth.verifications";
  public static final String AUTH_VERIFYING = "proxy.auth.verifying";
  public static final String BUILD_INFO = "proxy.build.info";
  public static final String CLUSTER_MEMBERS = "proxy.cluster.members";
  public static final String DESTINATIONS_DENIED = "proxy.destinations.denied";
  public static final String CACHE_REQUESTS = "proxy.cache.requests";
  public static final String CACHE_SERVED_BYTES = "proxy.cache.served.bytes";
  public static final String CACHE_STORED_BYTES = "proxy.cache.stored.bytes";
  public static final String CACHE_ENTRIES = "proxy.cache.entries";

  /** Micrometer's process CPU counter, in nanoseconds: replaced by {@code process.cpu} seconds. */
  static final String CPU_NANOS = "process.cpu.time";

  /**
   * Histogram buckets of the three timers, in ms: fixed so that nodes aggregate, a queue wait of 0
   * lands in the first, and requestTimeout/queueTimeout defaults (30 s) stay inside the range.
   */
  static final long[] BUCKETS_MS = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000
  };

  private ProxyMeters() {}

  /** A Prometheus registry whose every meter is tagged {@code node} with the nodeName. */
  public static PrometheusMeterRegistry newRegistry(String nodeId) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry
        .config()
        .commonTags(NODE_TAG, nodeId)
        .meterFilter(MeterFilter.deny(id -> id.getName().equals(CPU_NANOS)));
    return registry;
  }

  /**
   * Vert.x's own meters (HTTP server and client, pools, event bus) and the JVM's (memory, GC,
   * threads, CPU, uptime, class loading). The registry name must be unique per node:
   * vertx-micrometer keeps registries in a static map by name, and two nodes in one JVM would
   * otherwise share one. The default labels are kept (method, code, pool type and name, event-bus
   * side): no remote address or path. But Vert.x names each HTTP client pool after its destination
   * ({@code pool_name="host:port"}), one series per upstream ever called: those names all become
   * {@value #UPSTREAM_POOL}, and their meters add up into one.
   *
   * <p>Without {@code perRequest} (setting vertxRequestMetrics) the HTTP server, HTTP client and
   * event-bus meters are off: updated on every request, they were 8 % of the proxy's CPU samples at
   * 1 KiB, and the proxy's own meters already count what they count. Pools, TCP connections and
   * bytes, and the JVM stay.
   */
  public static MicrometerMetricsOptions vertxOptions(String nodeId, boolean perRequest) {
    MicrometerMetricsOptions o = new MicrometerMetricsOptions();
    if (!perRequest) {
      o.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
          .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    }
    return o.setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setRegistryName("https-proxy-" + nodeId)
        .addLabelMatch(
            new Match()
                .setLabel(Label.POOL_NAME.toString())
                .setType(MatchType.REGEX)
                .setValue(".*:[0-9]+")
                .setAlias(UPSTREAM_POOL));
  }

  static Timer requestTimer(MeterRegistry registry, Outcome outcome) {
    return timer(REQUEST_DURATION, "time from acceptance to the answer, by outcome", registry)
        .tag("outcome", tagValue(outcome))
        .register(registry);
  }

  static Timer queueWaitTimer(MeterRegistry registry) {
    return timer(QUEUE_WAIT, "time from acceptance until a worker started or refused it", registry)
        .register(registry);
  }

  static Timer upstreamTimer(MeterRegistry registry) {
    return timer(UPSTREAM_DURATION, "duration of upstream calls, whatever their result", registry)
        .register(registry);
  }

  /** Binds the counters and gauges of {@code stats}, the limits in force and readiness. */
  public static void bind(
      MeterRegistry registry, ProxyStats stats, Supplier<ProxyConfig> config, Readiness readiness) {
    for (Outcome o : Outcome.values()) {
      FunctionCounter.builder(REQUESTS, stats, s -> s.count(o))
          .description("requests answered, by outcome")
          .tag("outcome", tagValue(o))
          .register(registry);
    }
    for (FailureCode c : FailureCode.values()) {
      FunctionCounter.builder(FAILURES, stats, s -> s.count(c))
          .description("answers of the proxy's own, by failure code")
          .tags("code", c.name(), "outcome", tagValue(c.outcome()))
          .register(registry);
    }
    for (int cls = 1; cls <= 5; cls++) {
      int k = cls;
      FunctionCounter.builder(UPSTREAM_RESPONSES, stats, s -> s.upstreamStatusClass(k))
          .description("upstream answers relayed to clients, by status class")
          .tag("status", k + "xx")
          .register(registry);
    }
    FunctionCounter.builder(CONNECTIONS, stats, ProxyStats::connectionsAccepted)
        .description("client connections opened, accepted or refused by maxConnections")
        .tag("result", "accepted")
        .register(registry);
    FunctionCounter.builder(CONNECTIONS, stats, ProxyStats::connectionsRejected)
        .description("client connections opened, accepted or refused by maxConnections")
        .tag("result", "rejected")
        .register(registry);
    gauge(
        registry, CONNECTIONS_ACTIVE, "open client connections", stats, s -> s.activeConnections());
    bindTunnels(registry, stats);
    gauge(registry, QUEUE_DEPTH, "requests waiting for a worker", stats, s -> s.queued().get());
    gauge(registry, WORKERS_BUSY, "upstream calls in flight", stats, s -> s.busyWorkers().get());
    gauge(
        registry,
        AWAITING_REPLY,
        "requests sent by this node's ingress and not yet answered",
        stats,
        s -> s.awaitingReply().get());
    gauge(registry, READY, "1 when /ready answers 200", readiness, r -> r.ready() ? 1 : 0);
    // Read at each scrape: a reload may change them.
    limit(registry, "maxConnections", () -> config.get().maxConnections());
    limit(registry, "queueSize", () -> config.get().queueSize());
    limit(registry, "workers", () -> config.get().workers());
    for (DenyRule rule : DenyRule.values()) {
      FunctionCounter.builder(DESTINATIONS_DENIED, stats, s -> s.count(rule))
          .description("destinations refused by the policy, by the rule that refused them")
          .tag("rule", rule.label())
          .register(registry);
    }
    for (TlsHandshakes.Reason r : TlsHandshakes.Reason.values()) {
      FunctionCounter.builder(TLS_HANDSHAKE_FAILURES, stats.tlsHandshakes(), h -> h.count(r))
          .description("handshakes the TLS listener refused, by reason")
          .tag("reason", r.label())
          .register(registry);
    }
    Gauge.builder(BUILD_INFO, () -> 1)
        .description("1, labelled with the version this node runs")
        .tag("version", version())
        .register(registry);
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      // process_cpu_seconds_total, as Prometheus's own clients name it (base unit: seconds).
      FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
          .baseUnit("seconds")
          .description("CPU time the process has used")
          .register(registry);
    }
  }

  /** The jar's Implementation-Version, or "dev" when run from classes. */
  static String version() {
    String v = ProxyMeters.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Members this node sees in its cluster (1 when not clustered). */
  public static void bindCluster(MeterRegistry registry, Supplier<Integer> members) {
    Gauge.builder(CLUSTER_MEMBERS, members)
        .description("cluster members this node sees, itself included")
        .register(registry);
  }

  /** The memory budget: what it counts, where the node stands (0, 1, 2), what it shed. */
  public static void bindMemory(MeterRegistry registry, MemoryGuard guard) {
    String what = "memory the node's budget counts, by kind (live heap after GC, held bodies)";
    Gauge.builder(MEMORY, guard, MemoryGuard::liveHeapAfterGcBytes)
        .description(what)
        .tag("kind", "live_heap")
        .register(registry);
    Gauge.builder(MEMORY, guard, MemoryGuard::heldBytes)
        .description(what)
        .tag("kind", "held_bodies")
        .register(registry);
    Gauge.builder(MEMORY, guard, MemoryGuard::maxHeapBytes)
        .description(what)
        .tag("kind", "max_heap")
        .register(registry);
    gauge(
        registry,
        MEMORY_LEVEL,
        "0 normal, 1 memoryPressure (keep-alive off, bodies held), 2 memoryCritical (503)",
        guard,
        g -> g.level().ordinal());
    for (MemoryGuard.Level level :
        new MemoryGuard.Level[] {MemoryGuard.Level.PRESSURE, MemoryGuard.Level.CRITICAL}) {
      FunctionCounter.builder(MEMORY_SHED, guard, g -> g.shedCount(level))
          .description("requests refused or held back for memory, by level")
          .tag("level", level.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
  }

  /** The response cache: requests by how it answered them, bytes it served and holds. */
  public static void bindCache(MeterRegistry registry, ResponseCache cache) {
    for (CacheStatus s : CacheStatus.values()) {
      FunctionCounter.builder(CACHE_REQUESTS, cache, c -> c.stats().requests(s))
          .description("requests the cache took part in, by result (hit, miss, collapsed, ...)")
          .tag("result", s.label())
          .register(registry);
    }
    counter(
        registry,
        CACHE_SERVED_BYTES,
        "body bytes answered from the cache",
        cache,
        c -> c.stats().bytesServed());
    gauge(registry, CACHE_STORED_BYTES, "bytes the cache holds", cache, ResponseCache::bytes);
    gauge(registry, CACHE_ENTRIES, "responses the cache holds", cache, ResponseCache::entries);
  }

  /** The password-guessing guard: failures, lockouts, refusals, and the PBKDF2 work done. */
  public static void bindAuth(MeterRegistry registry, AuthGuard guard) {
    counter(
        registry,
        AUTH_FAILURES,
        "failed logins counted against addresses and names",
        guard,
        AuthGuard::failures);
    counter(
        registry,
        AUTH_LOCKOUTS,
        "failed logins that started or lengthened a lockout",
        guard,
        AuthGuard::lockouts);
    counter(
        registry, AUTH_LOCKED, "requests refused 429 AUTH_LOCKED", guard, AuthGuard::lockedAnswers);
    counter(registry, AUTH_BUSY, "requests refused 503 AUTH_BUSY", guard, AuthGuard::busy);
    counter(
        registry,
        AUTH_VERIFICATIONS,
        "password checks (PBKDF2) run",
        guard,
        AuthGuard::verifications);
    gauge(
        registry,
        AUTH_VERIFYING,
        "password checks (PBKDF2) running now",
        guard,
        AuthGuard::verifying);
  }

  private static <T> void counter(
      MeterRegistry registry,
      String name,
      String description,
      T obj,
      java.util.function.ToDoubleFunction<T> f) {
    FunctionCounter.builder(name, obj, f).description(description).register(registry);
  }

  private static void bindTunnels(MeterRegistry registry, ProxyStats stats) {
    FunctionCounter.builder(TUNNELS, stats, ProxyStats::tunnelsOpened)
        .description("CONNECT tunnels opened")
        .register(registry);
    gauge(registry, TUNNELS_ACTIVE, "CONNECT tunnels open", stats, ProxyStats::activeTunnels);
    FunctionCounter.builder(TUNNEL_BYTES, stats, ProxyStats::tunnelBytesFromClient)
        .description("bytes relayed through CONNECT tunnels, by direction")
        .tag("direction", "from_client")
        .register(registry);
    FunctionCounter.builder(TUNNEL_BYTES, stats, ProxyStats::tunnelBytesToClient)
        .description("bytes relayed through CONNECT tunnels, by direction")
        .tag("direction", "to_client")
        .register(registry);
  }

  private static Timer.Builder timer(String name, String description, MeterRegistry registry) {
    Duration[] slos = new Duration[BUCKETS_MS.length];
    for (int i = 0; i < slos.length; i++) {
      slos[i] = Duration.ofMillis(BUCKETS_MS[i]);
    }
    return Timer.builder(name).description(description).serviceLevelObjectives(slos);
  }

  private static <T> void gauge(
      MeterRegistry registry,
      String name,
      String description,
      T obj,
      java.util.function.ToDoubleFunction<T> f) {
    Gauge.builder(name, obj, f).description(description).register(registry);
  }

  private static void limit(MeterRegistry registry, String setting, Supplier<Number> value) {
    Gauge.builder(LIMIT, value)
        .description("a configured limit, by setting name")
        .tag("setting", setting)
        .register(registry);
  }

  private static String tagValue(Outcome o) {
    return o.name().toLowerCase(Locale.ROOT);
  }
}
