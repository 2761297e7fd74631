package io.httpsproxy.metrics;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * A read of one or more timers with the same buckets ({@link ProxyMeters#BUCKETS_MS}), for {@code
 * /stats}: the same count, sum and cumulative bucket counts that {@code /metrics} exports, so a
 * dashboard can take two reads and compute recent percentiles from the difference, as PromQL's
 * {@code histogram_quantile} does.
 *
 * @param count recordings
 * @param sumMs sum of the recordings
 * @param maxMs largest recording of the last few minutes (Micrometer's decaying max)
 * @param cumulative recordings at or under each bucket bound, one per {@link
 *     ProxyMeters#BUCKETS_MS}
 */
record Distribution(long count, double sumMs, double maxMs, long[] cumulative) {

  static Distribution of(Timer... timers) {
    long count = 0;
    double sum = 0;
    double max = 0;
    long[] buckets = new long[ProxyMeters.BUCKETS_MS.length];
    for (Timer t : timers) {
      HistogramSnapshot s = t.takeSnapshot();
      count += s.count();
      sum += s.total(TimeUnit.MILLISECONDS);
      max = Math.max(max, s.max(TimeUnit.MILLISECONDS));
      for (CountAtBucket b : s.histogramCounts()) {
        int i = indexOf(b.bucket(TimeUnit.MILLISECONDS));
        if (i >= 0) {
          buckets[i] += (long) b.count();
        }
      }
    }
    return new Distribution(count, sum, max, buckets);
  }

  double meanMs() {
    return count == 0 ? 0 : sumMs / count;
  }

  JsonObject toJson() {
    JsonArray le = new JsonArray();
    JsonArray counts = new JsonArray();
    for (int i = 0; i < cumulative.length; i++) {
      le.add(ProxyMeters.BUCKETS_MS[i]);
      counts.add(cumulative[i]);
    }
    return new JsonObject()
        .put("count", count)
        .put("sumMs", Math.round(sumMs * 1000) / 1000.0)
        .put("maxMs", Math.round(maxMs * 1000) / 1000.0)
        .put("bucketsLeMs", le)
        .put("bucketsCumulative", counts);
  }

  private static int indexOf(double bucketMs) {
    for (int i = 0; i < ProxyMeters.BUCKETS_MS.length; i++) {
      if (Math.abs(ProxyMeters.BUCKETS_MS[i] - bucketMs) < 1e-6) {
        return i;
      }
    }
    return -1;
  }
}
