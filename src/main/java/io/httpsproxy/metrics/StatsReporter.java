package io.httpsproxy.metrics;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs the statistics snapshot every {@code statsInterval} (the seed's periodic statistics). */
public final class StatsReporter extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger("https-proxy.stats");

  private final ProxyStats stats;
  private final Duration interval;

  public StatsReporter(ProxyStats stats, Duration interval) {
    this.stats = stats;
    this.interval = interval;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(Math.max(1, interval.toMillis()), id -> report());
    return Future.succeededFuture();
  }

  private void report() {
    stats.closeInterval();
    JsonObject s = stats.snapshot();
    JsonObject r = s.getJsonObject("requests");
    LOG.info(
        "stats node={} uptime={}s requests={} success={} errors={} timeouts={} rejected={}"
            + " connections={} busyWorkers={} queue={} qps={} qpsInterval={} avgMs={} byType={}",
        s.getString("node"),
        s.getValue("uptimeSeconds"),
        r.getLong("total"),
        r.getLong("success"),
        r.getLong("errors"),
        r.getLong("timeouts"),
        r.getLong("rejected"),
        s.getJsonObject("connections").getInteger("active"),
        s.getInteger("busyWorkers"),
        s.getInteger("queued"),
        s.getJsonObject("qps").getValue("overall"),
        s.getJsonObject("qps").getValue("lastInterval"),
        s.getValue("avgProcessingMs"),
        s.getJsonObject("errorsByType").encode());
  }
}
