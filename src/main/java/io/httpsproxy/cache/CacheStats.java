package io.httpsproxy.cache;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the node's cache; written by every event loop, read by /stats and /metrics. */
public final class CacheStats {
  private final LongAdder[] byStatus = new LongAdder[CacheStatus.values().length];
  private final LongAdder bytesServed = new LongAdder();
  private final LongAdder stored = new LongAdder();
  private final LongAdder tooLarge = new LongAdder();
  private final LongAdder purged = new LongAdder();

  CacheStats() {
    for (int i = 0; i < byStatus.length; i++) {
      byStatus[i] = new LongAdder();
    }
  }

  void count(CacheStatus s) {
    byStatus[s.ordinal()].increment();
  }

  void served(long bytes) {
    bytesServed.add(bytes);
  }

  void stored() {
    stored.increment();
  }

  void tooLarge() {
    tooLarge.increment();
  }

  void purged(long n) {
    purged.add(n);
  }

  public long requests(CacheStatus s) {
    return byStatus[s.ordinal()].sum();
  }

  public long bytesServed() {
    return bytesServed.sum();
  }

  public long storedCount() {
    return stored.sum();
  }

  public long tooLargeCount() {
    return tooLarge.sum();
  }

  JsonObject toJson() {
    JsonObject j = new JsonObject();
    for (CacheStatus s : CacheStatus.values()) {
      j.put(s.label(), byStatus[s.ordinal()].sum());
    }
    return j.put("bytesServed", bytesServed.sum())
        .put("stored", stored.sum())
        .put("notStoredTooLarge", tooLarge.sum())
        .put("purged", purged.sum());
  }
}
