package io.httpsproxy.egress;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.httpsproxy.protocol.FailureCode;
import java.time.Duration;

/**
 * Failed lookups of the node, remembered briefly so that a client repeating a name that does not
 * resolve costs no query (it cost two, A and AAAA, per request). Each entry lives for its own TTL:
 * the {@code dnsNegativeTtl} setting, or the zone's SOA minimum when lower. Shared by every event
 * loop of the node; Caffeine is concurrent and bounded (10,000 names, least recently used first
 * out), so a client sending random names cannot grow it.
 */
public final class DnsNegativeCache {
  static final int MAX_NAMES = 10_000;

  /** A remembered failure: what the client is told, and for how long. */
  record Failure(FailureCode code, String message, long ttlNanos) {}

  private final Cache<String, Failure> cache =
      Caffeine.newBuilder()
          .maximumSize(MAX_NAMES)
          .expireAfter(
              new Expiry<String, Failure>() {
                @Override
                public long expireAfterCreate(String name, Failure f, long now) {
                  return f.ttlNanos();
                }

                @Override
                public long expireAfterUpdate(String name, Failure f, long now, long current) {
                  return f.ttlNanos();
                }

                @Override
                public long expireAfterRead(String name, Failure f, long now, long current) {
                  return current;
                }
              })
          .build();

  Failure get(String name) {
    return cache.getIfPresent(name);
  }

  /** Remembers {@code name}'s failure for {@code ttl}; a zero TTL remembers nothing. */
  void put(String name, FailureCode code, String message, Duration ttl) {
    if (ttl.isZero() || ttl.isNegative()) {
      return;
    }
    cache.put(name, new Failure(code, message, ttl.toNanos()));
  }

  /** Names remembered now (evictions of an overfull cache done first). */
  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }
}
