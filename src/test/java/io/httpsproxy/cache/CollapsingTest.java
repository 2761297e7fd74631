package io.httpsproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.CacheOrigin;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrent identical misses wait for one upstream call when its answer is cacheable, and each
 * make their own when it turns out not to be (so a private answer is never handed to a waiter), or
 * when the leader takes longer than cacheLockTimeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CollapsingTest {
  private static final int N = 20;

  private static CacheOrigin origin;
  private static ProxyHarness proxy;
  private static Vertx clientVertx;
  private static ProxyClient client;

  @BeforeAll
  static void start() {
    origin = new CacheOrigin();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("cacheEnabled", true)
                .put("cacheLockTimeout", 2.0));
    clientVertx = Vertx.vertx();
    client = new ProxyClient(clientVertx, proxy.port(), N);
  }

  @AfterAll
  static void stop() {
    client.close();
    clientVertx.close().await();
    proxy.close();
    origin.close();
  }

  private static List<Resp> concurrently(String path) {
    List<Future<Resp>> all = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      all.add(client.get(origin.url(path)));
    }
    Future.all(all).await();
    return all.stream().map(Future::result).toList();
  }

  private static Set<String> bodies(List<Resp> answers) {
    Set<String> out = new HashSet<>();
    answers.forEach(r -> out.add(r.body().toString()));
    return out;
  }

  @Test
  void concurrentMissesForACacheableUrlMakeOneUpstreamCall() {
    origin.slow("/collapse", 500, "Cache-Control", "max-age=60");

    List<Resp> answers = concurrently("/collapse");

    assertEquals(1, origin.count("/collapse"));
    assertEquals(Set.of("/collapse#1"), bodies(answers));
    long collapsed =
        answers.stream()
            .filter(r -> "https-proxy; hit; detail=collapsed".equals(r.header("Cache-Status")))
            .count();
    assertEquals(N - 1, collapsed);
    answers.forEach(r -> assertEquals(200, r.status()));
  }

  @Test
  void concurrentMissesForAPrivateAnswerEachGoUpstreamAndGetTheirOwn() {
    origin.slow("/private", 300, "Cache-Control", "private, max-age=60");

    List<Resp> answers = concurrently("/private");

    assertEquals(N, origin.count("/private"));
    assertEquals(N, bodies(answers).size(), "every client got its own answer");
  }

  @Test
  void concurrentMissesForASetCookieAnswerEachGoUpstream() {
    origin.slow("/cookie", 300, "Cache-Control", "max-age=60", "Set-Cookie", "id=1");

    List<Resp> answers = concurrently("/cookie");

    assertEquals(N, origin.count("/cookie"));
    assertEquals(N, bodies(answers).size());
  }

  @Test
  void waitersGoUpstreamThemselvesAfterTheLockTimeout() {
    origin.slow("/slow", 3_000, "Cache-Control", "max-age=60");

    long start = System.nanoTime();
    List<Resp> answers = concurrently("/slow");
    long ms = (System.nanoTime() - start) / 1_000_000;

    assertEquals(N, origin.count("/slow"));
    answers.forEach(r -> assertEquals(200, r.status()));
    assertTrue(ms >= 5_000 && ms < 15_000, "waited the lock timeout, then went upstream: " + ms);
  }
}
