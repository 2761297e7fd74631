package io.httpsproxy.cache;

import java.util.Locale;

/**
 * How the cache took part in one answer: the access log's {@code cache} field, the {@code
 * Cache-Status} response header (RFC 9211) and the {@code proxy.cache.requests{result}} counter.
 */
public enum CacheStatus {
  /** Answered from the cache, fresh. */
  HIT("hit"),
  /** Answered from the cache after waiting for an identical request's upstream call. */
  COLLAPSED("hit; detail=collapsed"),
  /** Answered from the cache after the origin confirmed it (304 to a conditional request). */
  REVALIDATED("fwd=stale; fwd-status=304"),
  /** Answered from the cache, stale, as the request's max-stale allowed. */
  STALE("hit; detail=stale"),
  /** Went upstream: nothing usable was stored. */
  MISS("fwd=uri-miss"),
  /** Went upstream without the cache: not a GET, a Range or no-store request. */
  BYPASS("fwd=bypass");

  private final String params;

  CacheStatus(String params) {
    this.params = params;
  }

  /** The access log's value: hit, collapsed, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The Cache-Status header value (RFC 9211), this cache named https-proxy. */
  public String header() {
    return "https-proxy; " + params;
  }

  /** True when the body came from the cache, not from upstream. */
  public boolean fromCache() {
    return this == HIT || this == COLLAPSED || this == REVALIDATED || this == STALE;
  }
}
