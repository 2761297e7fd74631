package io.httpsproxy.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.httpsproxy.admission.MemoryGuard;
import io.httpsproxy.config.CacheConfig;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.security.Target;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The node's response cache: one per node, shared by its event loops. Entries live on the heap in a
 * Caffeine cache bounded by weight (bytes: {@link StoredResponse#weight}), one variant per URL (a
 * response with another Vary selection replaces it). The heap it holds is live heap, so the memory
 * guard counts it after each collection; bodies being copied in are reserved with the guard while
 * they grow ({@link FillingDownstream}).
 */
public final class ResponseCache {
  private final Supplier<CacheConfig> config;
  private final MemoryGuard memory;
  private final CacheStats stats = new CacheStats();
  private final Cache<String, StoredResponse> store;
  private final ConcurrentHashMap<String, Fill> fills = new ConcurrentHashMap<>();

  /** {@code config} is read per request: a reload applies to the next one. */
  public ResponseCache(Supplier<CacheConfig> config, MemoryGuard memory) {
    this.config = config;
    this.memory = memory;
    this.store =
        Caffeine.newBuilder()
            .maximumWeight(config.get().maxBytes())
            .weigher((String k, StoredResponse v) -> v.weight())
            .executor(
                Runnable::run) // evict on the writing thread: the bound holds when put returns
            .build();
  }

  /** A reload: the new size bound at once; turned off, everything stored is dropped. */
  public void apply(CacheConfig before, CacheConfig after) {
    if (before.maxBytes() != after.maxBytes()) {
      store.policy().eviction().ifPresent(e -> e.setMaximum(after.maxBytes()));
    }
    if (!after.enabled()) {
      store.invalidateAll();
    }
  }

  public CacheConfig config() {
    return config.get();
  }

  public CacheStats stats() {
    return stats;
  }

  MemoryGuard memory() {
    return memory;
  }

  /** The stored response for {@code key}, or null. */
  public StoredResponse get(String key) {
    return store.getIfPresent(key);
  }

  void put(StoredResponse e) {
    if (config.get().enabled()) {
      store.put(e.key(), e);
      stats.stored();
    }
  }

  public void invalidate(String key) {
    store.invalidate(key);
  }

  /**
   * Removes the entry of {@code url}, or with {@code prefix} every entry whose URL starts with it
   * (both in {@link CacheKey} form after parsing, so a host's default port matches); the count.
   */
  public long purge(String url, boolean prefix) {
    String key = CacheKey.of(Target.parse(url));
    if (prefix && url.endsWith("/") == false && key.endsWith("/")) {
      key = key.substring(0, key.length() - 1); // "https://h" names the host, not "https://h/"
    }
    long n;
    if (prefix) {
      String p = key;
      n = store.asMap().keySet().stream().filter(k -> k.startsWith(p)).count();
      store.asMap().keySet().removeIf(k -> k.startsWith(p));
    } else {
      n = store.asMap().remove(key) != null ? 1 : 0;
    }
    stats.purged(n);
    return n;
  }

  /** A fill, and whether the caller leads it (and must complete it). */
  record Joined(Fill fill, boolean leader) {}

  /**
   * The fill under way for {@code key}, or a new one the caller leads ({@link FillingDownstream}
   * completes it). A fill older than the lock timeout is taken over, so a lost leader cannot hold a
   * key.
   */
  Joined join(String key) {
    long now = System.currentTimeMillis();
    long stale = config.get().lockTimeout().toMillis();
    Fill[] created = new Fill[1];
    Fill f =
        fills.compute(
            key,
            (k, existing) -> {
              if (existing != null && now - existing.startedMs() < stale) {
                return existing;
              }
              created[0] = new Fill(done -> fills.remove(key, done));
              return created[0];
            });
    return new Joined(f, created[0] != null);
  }

  /** Wraps the downstream of an unsafe request so its success invalidates what it changed. */
  public Downstream invalidating(Downstream inner, Target target) {
    return new InvalidatingDownstream(inner, target, this);
  }

  void count(CacheStatus s) {
    stats.count(s);
  }

  public long entries() {
    return store.estimatedSize();
  }

  public long bytes() {
    return store.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  /** For /stats. */
  public JsonObject toJson() {
    CacheConfig c = config.get();
    return stats
        .toJson()
        .put("enabled", c.enabled())
        .put("entries", entries())
        .put("storedBytes", bytes())
        .put("maxBytes", c.maxBytes())
        .put("collapsingNow", fills.size());
  }
}
