package io.httpsproxy.admission;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;

/**
 * Per-client token buckets: {@code rate} requests per second, bursts of up to {@code burst}. Keyed
 * by user when the client authenticated, else by client address. Node-local: N nodes behind a
 * balancer allow a client up to N x rate. Shared by every ingress verticle; bucket4j buckets are
 * lock-free and Caffeine is concurrent.
 *
 * <p>The map is bounded so that many clients cannot exhaust memory: a bucket unused for as long as
 * it takes to refill completely is dropped (it would be full again anyway, so forgetting it changes
 * nothing), and at most {@link #MAX_CLIENTS} are kept. Past that, the least recently used are
 * evicted and their clients start again with a full bucket: a tolerated leak of at most one burst
 * per evicted client.
 */
public final class RateLimiter {
  static final int MAX_CLIENTS = 100_000;

  private final Bandwidth bandwidth;
  private final Cache<String, Bucket> buckets;

  public RateLimiter(int ratePerSecond, int burst) {
    this.bandwidth =
        Bandwidth.builder()
            .capacity(burst)
            .refillGreedy(ratePerSecond, Duration.ofSeconds(1))
            .build();
    long refillMs = Math.max(1_000, 1_000L * burst / ratePerSecond + 1_000);
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(MAX_CLIENTS)
            .expireAfterAccess(Duration.ofMillis(refillMs))
            .build();
  }

  /** Takes one token for {@code client}; false when its bucket is empty. */
  public boolean tryAcquire(String client) {
    return buckets.get(client, k -> Bucket.builder().addLimit(bandwidth).build()).tryConsume(1);
  }

  long trackedClients() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }
}
