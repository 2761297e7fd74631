package io.httpsproxy.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Outcome;
import io.httpsproxy.security.PasswordHash;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Per-client token buckets: a client over its rate gets 429, the others do not notice. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RateLimitTest {

  private static MultiMap auth(String user, String pw) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    m.add(
        "Proxy-Authorization",
        "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes()));
    return m;
  }

  @Test
  void aClientOverItsRateGets429WithRetryAfterAndNothingReachesUpstream() {
    try (HttpsUpstream upstream = HttpsUpstream.http();
        ProxyHarness proxy =
            ProxyHarness.start(
                ProxyFixture.baseConfig(null, null).put("rateLimit", 1).put("rateBurst", 2))) {
      assertEquals(200, proxy.client().get(upstream.url("/echo/1")).await().status());
      assertEquals(200, proxy.client().get(upstream.url("/echo/2")).await().status());
      Resp third = proxy.client().get(upstream.url("/echo/3")).await();

      assertEquals(429, third.status());
      assertEquals("RATE_LIMITED", third.header("X-Proxy-Error"));
      assertEquals("1", third.header("Retry-After"));
      assertEquals(0, upstream.count("/echo/3"));
      assertEquals(1, proxy.node().stats().count(FailureCode.RATE_LIMITED));
      assertEquals(1, proxy.node().stats().count(Outcome.REJECTED));
      // admin routes are not rate limited
      Resp stats = proxy.admin().local(HttpMethod.GET, "/stats", null).await();
      assertEquals(200, stats.status());
      assertEquals(1, stats.json().getJsonObject("errorsByType").getInteger("RATE_LIMITED"));
      String metrics =
          proxy.admin().local(HttpMethod.GET, "/metrics", null).await().body().toString();
      assertTrue(metrics.contains("code=\"RATE_LIMITED\""), "metrics name the rejection");
    }
  }

  @Test
  void oneUsersLimitLeavesAnotherUserUntouched() throws Exception {
    Path creds = Files.createTempDirectory("rate").resolve("credentials");
    CredentialsFile.write(
        creds,
        List.of(
            PasswordHash.newPassword("alice", "a-pass".toCharArray()),
            PasswordHash.newPassword("bob", "b-pass".toCharArray())));
    try (HttpsUpstream upstream = HttpsUpstream.http();
        ProxyHarness proxy =
            ProxyHarness.start(
                ProxyFixture.baseConfig(null, null)
                    .put("credentialsFile", creds.toString())
                    .put("rateLimit", 1)
                    .put("rateBurst", 1))) {
      MultiMap alice = auth("alice", "a-pass");
      MultiMap bob = auth("bob", "b-pass");
      String url = upstream.url("/echo");

      assertEquals(200, proxy.client().forward(HttpMethod.GET, url, alice, null).await().status());
      assertEquals(429, proxy.client().forward(HttpMethod.GET, url, alice, null).await().status());
      assertEquals(200, proxy.client().forward(HttpMethod.GET, url, bob, null).await().status());
      assertEquals(2, upstream.total());
    }
  }

  @Test
  void theBucketMapIsBoundedAndForgetsIdleClients() throws Exception {
    RateLimiter limiter = new RateLimiter(1000, 1);
    for (int i = 0; i < RateLimiter.MAX_CLIENTS + 5_000; i++) {
      limiter.tryAcquire("addr:" + i);
    }
    assertTrue(limiter.trackedClients() <= RateLimiter.MAX_CLIENTS, "bounded");
  }

  @Test
  void aBucketRefillsAtTheConfiguredRate() throws Exception {
    RateLimiter limiter = new RateLimiter(20, 1);

    assertTrue(limiter.tryAcquire("a"));
    assertEquals(false, limiter.tryAcquire("a"));
    assertTrue(limiter.tryAcquire("b"));
    Thread.sleep(120);
    assertTrue(limiter.tryAcquire("a"));
  }
}
