package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The shared response cache (RFC 9111), off by default. Flat keys like every other setting (a
 * dotted {@code cache.enabled} would make the flag {@code --cache.enabled} and the variable {@code
 * PROXY_CACHE.ENABLED}); all of them apply live.
 *
 * @param enabled serve and store cacheable GET responses of absolute-form requests
 * @param maxBytes bound on the bytes the node's cache holds (bodies plus an estimate of their
 *     heads), least recently and frequently used evicted first
 * @param maxObjectBytes largest body stored; a bigger one is still answered, just not stored
 * @param lockTimeout longest a request waits for an identical one already going upstream
 *     (collapsing), after which it goes upstream itself
 * @param heuristic fraction of (Date - Last-Modified) a response without explicit freshness stays
 *     fresh (RFC 9111 section 4.2.2); 0 = no heuristic freshness
 */
public record CacheConfig(
    boolean enabled, long maxBytes, long maxObjectBytes, Duration lockTimeout, double heuristic) {
  public static final boolean DEFAULT_CACHE_ENABLED = false;

  /** 256 MiB of heap: well under memoryPressure of the 1-4 GiB heaps docs/tuning.md sizes. */
  public static final long DEFAULT_CACHE_MAX_BYTES = 256L * 1024 * 1024;

  /** 8 MiB: robots.txt, sitemaps and assets, not downloads. */
  public static final long DEFAULT_CACHE_MAX_OBJECT_BYTES = 8L * 1024 * 1024;

  /** nginx's proxy_cache_lock_timeout default. */
  public static final double DEFAULT_CACHE_LOCK_TIMEOUT = 5.0;

  public static final double DEFAULT_CACHE_HEURISTIC = 0.0;

  /** 1 TiB: the cache is on the heap, so this only catches typos (an extra zero or three). */
  private static final long MAX_BYTES = 1L << 40;

  public CacheConfig {
    ConfigChecks.checkRange("cacheMaxBytes", maxBytes, 1, MAX_BYTES);
    if (maxObjectBytes < 1 || maxObjectBytes > maxBytes) {
      throw ConfigException.invalid(
          "cacheMaxObjectBytes", maxObjectBytes, ">= 1 and <= cacheMaxBytes (" + maxBytes + ")");
    }
    ConfigChecks.checkPositive("cacheLockTimeout", lockTimeout);
    if (!(heuristic >= 0 && heuristic <= 1)) {
      throw ConfigException.invalid("cacheHeuristic", heuristic, ">= 0 and <= 1, e.g. 0.1");
    }
  }

  static CacheConfig fromJson(JsonObject j) {
    return new CacheConfig(
        JsonFields.bool(j, "cacheEnabled", DEFAULT_CACHE_ENABLED),
        JsonFields.longValue(j, "cacheMaxBytes", DEFAULT_CACHE_MAX_BYTES),
        JsonFields.longValue(j, "cacheMaxObjectBytes", DEFAULT_CACHE_MAX_OBJECT_BYTES),
        JsonFields.seconds(j, "cacheLockTimeout", DEFAULT_CACHE_LOCK_TIMEOUT),
        JsonFields.number(j, "cacheHeuristic", DEFAULT_CACHE_HEURISTIC));
  }

  void putInto(JsonObject j) {
    j.put("cacheEnabled", enabled)
        .put("cacheMaxBytes", maxBytes)
        .put("cacheMaxObjectBytes", maxObjectBytes)
        .put("cacheLockTimeout", JsonFields.toSeconds(lockTimeout))
        .put("cacheHeuristic", heuristic);
  }
}
