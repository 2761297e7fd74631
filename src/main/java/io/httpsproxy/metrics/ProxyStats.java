package io.httpsproxy.metrics;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Outcome;
import io.httpsproxy.security.DenyRule;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's counters: the one source for the periodic log, {@code /stats} and {@code /metrics}
 * ({@link ProxyMeters} binds them as function counters and gauges). Written from every event loop,
 * so counters are LongAdders and gauges atomics. A snapshot may straddle a request that is being
 * recorded (tolerated: it shows up in the next one); totals are derived from the outcome counters,
 * so a snapshot always adds up. Durations go to the registry's timers, whose counts and sums {@code
 * /stats} reads back.
 */
public final class ProxyStats {
  private final long startedAtNanos = System.nanoTime();
  private final String node;
  private final LongAdder[] outcomes = adders(Outcome.values().length);
  private final LongAdder[] failures = adders(FailureCode.values().length);
  private final LongAdder[] upstreamStatusClass = adders(6);
  private final Timer[] requestTimers = new Timer[Outcome.values().length];
  private final Timer queueWait;
  private final Timer upstream;
  private final LongAdder connectionsAccepted = new LongAdder();
  private final LongAdder connectionsRejected = new LongAdder();
  private final LongAdder clientsDenied = new LongAdder();
  private final LongAdder[] deniedByRule = adders(DenyRule.values().length);
  private final LongAdder tunnelsOpened = new LongAdder();
  private final LongAdder tunnelBytesFromClient = new LongAdder();
  private final LongAdder tunnelBytesToClient = new LongAdder();
  private final AtomicInteger activeTunnels = new AtomicInteger();
  private final AtomicInteger activeConnections = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger busyWorkers = new AtomicInteger();
  private final AtomicInteger awaitingReply = new AtomicInteger();
  private final LongAdder abandoned = new LongAdder();
  private final TlsHandshakes tlsHandshakes = new TlsHandshakes();
  private final LongAdder bodyBytesFromClients = new LongAdder();
  private final LongAdder bodyBytesToClients = new LongAdder();

  private final Object intervalLock = new Object();
  private long intervalStartNanos = startedAtNanos;
  private long intervalStartTotal;
  private double lastIntervalQps;

  /** Counters of node {@code node}, with timers registered in {@code registry}. */
  public ProxyStats(MeterRegistry registry, String node) {
    this.node = node;
    for (Outcome o : Outcome.values()) {
      requestTimers[o.ordinal()] = ProxyMeters.requestTimer(registry, o);
    }
    this.queueWait = ProxyMeters.queueWaitTimer(registry);
    this.upstream = ProxyMeters.upstreamTimer(registry);
  }

  /** A request ended with an upstream response. */
  public void recordSuccess(int upstreamStatus, long totalMs) {
    outcomes[Outcome.SUCCESS.ordinal()].increment();
    upstreamStatusClass[Math.min(5, Math.max(0, upstreamStatus / 100))].increment();
    requestTimers[Outcome.SUCCESS.ordinal()].record(totalMs, TimeUnit.MILLISECONDS);
  }

  /** A request ended with an answer of the proxy's own. */
  public void recordFailure(FailureCode code, long totalMs) {
    outcomes[code.outcome().ordinal()].increment();
    failures[code.ordinal()].increment();
    requestTimers[code.outcome().ordinal()].record(totalMs, TimeUnit.MILLISECONDS);
  }

  /** A worker finished an upstream call, whatever its result. */
  public void recordUpstreamCall(long ms) {
    upstream.record(ms, TimeUnit.MILLISECONDS);
  }

  /** A request left this node's queue: a worker started it, or it was refused after waiting. */
  public void recordQueueWait(long ms) {
    queueWait.record(ms, TimeUnit.MILLISECONDS);
  }

  public void connectionOpened(boolean accepted) {
    if (accepted) {
      connectionsAccepted.increment();
      activeConnections.incrementAndGet();
    } else {
      connectionsRejected.increment();
    }
  }

  /** A connection from an address outside allowClients (it never counts as accepted). */
  public void clientDenied() {
    clientsDenied.increment();
  }

  /** A destination refused by the policy; the request itself is recorded as a failure too. */
  /** The TLS listener's refused handshakes (all of its event loops). */
  public TlsHandshakes tlsHandshakes() {
    return tlsHandshakes;
  }

  public void destinationDenied(DenyRule rule) {
    deniedByRule[rule.ordinal()].increment();
  }

  public long count(DenyRule rule) {
    return deniedByRule[rule.ordinal()].sum();
  }

  public void tunnelOpened() {
    tunnelsOpened.increment();
    activeTunnels.incrementAndGet();
  }

  public void tunnelClosed() {
    activeTunnels.decrementAndGet();
  }

  public void tunnelBytes(long fromClient, long toClient) {
    tunnelBytesFromClient.add(fromClient);
    tunnelBytesToClient.add(toClient);
  }

  /**
   * Body bytes of one finished request (not tunnels: {@link #tunnelBytes}), as in its access line.
   */
  public void requestBytes(long fromClient, long toClient) {
    bodyBytesFromClients.add(fromClient);
    bodyBytesToClients.add(toClient);
  }

  /** A queued request whose client left before a worker was free: it was never started. */
  public void abandoned() {
    abandoned.increment();
  }

  public void connectionClosed() {
    activeConnections.decrementAndGet();
  }

  public AtomicInteger queued() {
    return queued;
  }

  public AtomicInteger busyWorkers() {
    return busyWorkers;
  }

  /** Requests sent on the event bus by this node's ingress and not yet answered. */
  public AtomicInteger awaitingReply() {
    return awaitingReply;
  }

  public long count(Outcome o) {
    return outcomes[o.ordinal()].sum();
  }

  public long count(FailureCode c) {
    return failures[c.ordinal()].sum();
  }

  long upstreamStatusClass(int hundreds) {
    return upstreamStatusClass[hundreds].sum();
  }

  long connectionsAccepted() {
    return connectionsAccepted.sum();
  }

  long connectionsRejected() {
    return connectionsRejected.sum();
  }

  int activeConnections() {
    return activeConnections.get();
  }

  long tunnelsOpened() {
    return tunnelsOpened.sum();
  }

  int activeTunnels() {
    return activeTunnels.get();
  }

  long tunnelBytesFromClient() {
    return tunnelBytesFromClient.sum();
  }

  long tunnelBytesToClient() {
    return tunnelBytesToClient.sum();
  }

  public long totalRequests() {
    long sum = 0;
    for (LongAdder a : outcomes) {
      sum += a.sum();
    }
    return sum;
  }

  /** Closes the current statistics interval; called by the periodic reporter only. */
  public void closeInterval() {
    synchronized (intervalLock) {
      long now = System.nanoTime();
      long total = totalRequests();
      double secs = Math.max(1e-9, (now - intervalStartNanos) / 1e9);
      lastIntervalQps = (total - intervalStartTotal) / secs;
      intervalStartNanos = now;
      intervalStartTotal = total;
    }
  }

  public JsonObject snapshot() {
    double uptime = (System.nanoTime() - startedAtNanos) / 1e9;
    long success = count(Outcome.SUCCESS);
    long errors = count(Outcome.ERROR);
    long timeouts = count(Outcome.TIMEOUT);
    long rejected = count(Outcome.REJECTED);
    long total = success + errors + timeouts + rejected;
    Distribution requests = Distribution.of(requestTimers);
    Distribution upstreamCalls = Distribution.of(upstream);
    double intervalQps;
    synchronized (intervalLock) {
      intervalQps = lastIntervalQps;
    }
    return new JsonObject()
        .put("node", node)
        .put("uptimeSeconds", round(uptime))
        .put(
            "requests",
            new JsonObject()
                .put("total", total)
                .put("success", success)
                .put("errors", errors)
                .put("timeouts", timeouts)
                .put("rejected", rejected))
        .put("errorsByType", byType())
        .put("classes", classes())
        .put("upstreamStatus", statusClasses())
        .put(
            "connections",
            new JsonObject()
                .put("active", activeConnections.get())
                .put("accepted", connectionsAccepted.sum())
                .put("rejected", connectionsRejected.sum())
                .put("deniedClients", clientsDenied.sum()))
        .put("destinationsDenied", deniedByRule())
        .put("tlsHandshakeFailures", tlsHandshakes.toJson())
        .put(
            "tunnels",
            new JsonObject()
                .put("active", activeTunnels.get())
                .put("opened", tunnelsOpened.sum())
                .put("bytesFromClient", tunnelBytesFromClient.sum())
                .put("bytesToClient", tunnelBytesToClient.sum()))
        .put(
            "bytes",
            new JsonObject()
                .put("fromClients", bodyBytesFromClients.sum() + tunnelBytesFromClient.sum())
                .put("toClients", bodyBytesToClients.sum() + tunnelBytesToClient.sum()))
        .put("busyWorkers", busyWorkers.get())
        .put("queued", queued.get())
        .put("awaitingReply", awaitingReply.get())
        .put("abandonedBeforeStart", abandoned.sum())
        .put(
            "qps",
            new JsonObject()
                .put("overall", round(total / Math.max(uptime, 1e-9)))
                .put("lastInterval", round(intervalQps)))
        .put("avgProcessingMs", round(requests.meanMs()))
        .put(
            "upstream",
            new JsonObject()
                .put("calls", upstreamCalls.count())
                .put("avgMs", round(upstreamCalls.meanMs())))
        .put(
            "latency",
            new JsonObject()
                .put("request", requests.toJson())
                .put("queueWait", Distribution.of(queueWait).toJson())
                .put("upstream", upstreamCalls.toJson()));
  }

  private JsonObject byType() {
    JsonObject o = new JsonObject();
    for (FailureCode c : FailureCode.values()) {
      long n = failures[c.ordinal()].sum();
      if (n > 0) {
        o.put(c.name(), n);
      }
    }
    return o;
  }

  /** The proxy's own answers by {@link OutcomeClass}: every class present, 0 when none. */
  private JsonObject classes() {
    long[] n = new long[OutcomeClass.values().length];
    for (FailureCode c : FailureCode.values()) {
      n[OutcomeClass.of(c).ordinal()] += failures[c.ordinal()].sum();
    }
    JsonObject o = new JsonObject();
    for (OutcomeClass k : OutcomeClass.values()) {
      o.put(k.key(), n[k.ordinal()]);
    }
    return o;
  }

  private JsonObject deniedByRule() {
    JsonObject o = new JsonObject();
    for (DenyRule r : DenyRule.values()) {
      o.put(r.label(), deniedByRule[r.ordinal()].sum());
    }
    return o;
  }

  private JsonObject statusClasses() {
    JsonObject o = new JsonObject();
    for (int i = 1; i <= 5; i++) {
      o.put(i + "xx", upstreamStatusClass[i].sum());
    }
    return o;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }
}
