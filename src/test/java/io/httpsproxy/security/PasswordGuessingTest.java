package io.httpsproxy.security;

import static io.httpsproxy.security.GuessingAttack.THREADS;
import static io.httpsproxy.security.GuessingAttack.attack;
import static io.httpsproxy.security.GuessingAttack.basic;
import static io.httpsproxy.security.GuessingAttack.header;
import static io.httpsproxy.security.GuessingAttack.percentile;
import static io.httpsproxy.security.GuessingAttack.started;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.security.GuessingAttack.Guess;
import io.httpsproxy.security.GuessingAttack.Tally;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue #12 item 1 end to end: a real proxy with users and rateLimit on, eight threads of wrong
 * credentials from 127.0.0.1 on kept-alive connections, and valid clients on the same proxy. The
 * guesses must meet 429 AUTH_LOCKED (with Retry-After) once the limit is passed, the PBKDF2 checks
 * run must stay few, and the valid clients must keep getting 200 quickly: one on the attacker's own
 * address (its credential is known good), one from 127.0.0.2 that logs in for the first time during
 * the attack.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PasswordGuessingTest {
  private static final int LIMIT = 10;
  private static final long ATTACK_MS = 3_000;
  private static final String ALICE = "correct horse battery staple";
  private static final String BOB = "tr0ub4dor&3";
  private static Path creds;
  private static HttpsUpstream upstream;
  private static Vertx clientVertx;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("guessing-test");
    creds = dir.resolve("credentials");
    CredentialsFile.write(
        creds,
        List.of(
            PasswordHash.newPassword("alice", ALICE.toCharArray()),
            PasswordHash.newPassword("bob", BOB.toCharArray())));
    upstream = HttpsUpstream.http();
    clientVertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    clientVertx.close().await();
    upstream.close();
  }

  private static ProxyHarness proxy() {
    return proxy(new JsonObject());
  }

  private static ProxyHarness proxy(JsonObject overrides) {
    return ProxyHarness.start(
        ProxyFixture.baseConfig(null, null)
            .put("credentialsFile", creds.toString())
            .put("rateLimit", 50)
            .put("rateBurst", 100)
            .put("authFailureLimit", LIMIT)
            .put("authLockout", 1.0)
            .put("authLockoutMax", 300.0)
            .put("authVerifyConcurrency", 1)
            .mergeIn(overrides));
  }

  /** A valid client sending one request after another until {@code stop}; its latencies. */
  private static List<Long> validClient(
      ProxyClient client, String credential, AtomicBoolean stop, List<Integer> statuses) {
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    started(
        () -> {
          while (!stop.get()) {
            MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Proxy-Authorization", credential);
            Resp r = client.forward(HttpMethod.GET, upstream.url("/echo/valid"), h, null).await();
            statuses.add(r.status());
            latencies.add(r.elapsedMs());
            try {
              Thread.sleep(50);
            } catch (InterruptedException e) {
              return;
            }
          }
        });
    return latencies;
  }

  private static JsonObject auth(ProxyHarness proxy) {
    return proxy.admin().local(HttpMethod.GET, "/stats", null).await().json().getJsonObject("auth");
  }

  /** Checks run at most: the limit, then about one per lockout window, plus the cap's overshoot. */
  private static long maxChecks(long ms) {
    int windows = 2;
    for (long lock = 1000; lock < ms; lock *= 2) {
      windows++;
    }
    return LIMIT + 2L * windows;
  }

  @ParameterizedTest
  @EnumSource(Guess.class)
  void guessesMeetLockoutsAndPasswordChecksStayFew(Guess g) throws Exception {
    try (ProxyHarness proxy = proxy()) {
      Tally tally = attack(proxy.port(), upstream.url("/echo/guess"), g, ATTACK_MS, 60_000, 20);
      JsonObject auth = auth(proxy);

      assertEquals(0, tally.count(-1), "no connection failed: " + tally.byStatus);
      assertEquals(0, tally.count(200), "no guess passed");
      assertEquals(0, tally.badLocked.get(), "every 429 is AUTH_LOCKED with Retry-After");
      // A check costs 67 ms on an idle core, several times that on a loaded machine: the limit's
      // worth of checks may take seconds, and then the lockouts begin.
      assertTrue(tally.count(429) > 0, "locked out: " + tally.byStatus);
      assertTrue(
          tally.count(407) <= maxChecks(tally.elapsedMs) + THREADS,
          "failures answered 407: " + tally.byStatus);
      long checks = auth.getLong("verifications");
      if (g == Guess.MALFORMED_BASIC) {
        assertEquals(0, checks, "malformed credentials cost no PBKDF2");
      } else {
        assertTrue(checks >= LIMIT, "the limit's worth was checked: " + auth);
        assertTrue(checks <= maxChecks(tally.elapsedMs), "PBKDF2 runs bounded: " + auth);
      }
      assertTrue(
          tally.retryAfter.stream().allMatch(s -> s >= 1 && s <= 300), "" + tally.retryAfter);
      assertTrue(auth.getLong("lockouts") >= 1, auth.encode());
      assertEquals(tally.count(429), auth.getLong("locked"), auth.encode());
      System.out.printf(
          "guessing %s %d ms x %d threads: %d answered %s, PBKDF2 runs %d%n",
          g, tally.elapsedMs, THREADS, tally.total(), tally.byStatus, checks);
    }
  }

  @Test
  void aValidClientKeepsBeingServedQuicklyDuringAnEightSecondAttack() throws Exception {
    try (ProxyHarness proxy = proxy()) {
      ProxyClient same = new ProxyClient(clientVertx, proxy.port());
      ProxyClient other = new ProxyClient(clientVertx, proxy.port(), 4, "127.0.0.2");
      try {
        String alice = basic("alice", ALICE);
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Proxy-Authorization", alice);
        assertEquals(
            200,
            same.forward(HttpMethod.GET, upstream.url("/echo/warm"), h, null).await().status());
        AtomicBoolean stop = new AtomicBoolean();
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        List<Long> latencies = validClient(same, alice, stop, statuses);
        Thread attacker =
            started(
                () -> {
                  try {
                    Tally t =
                        attack(
                            proxy.port(), upstream.url("/echo/guess"), Guess.WRONG_PASSWORD, 8_000);
                    System.out.printf(
                        "guessing 8 s x %d threads: %d answered %s%n",
                        THREADS, t.total(), t.byStatus);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        Thread.sleep(3_000); // the attacker's address is locked by now
        // bob's first login, from another address, while guesses keep coming.
        MultiMap hb =
            MultiMap.caseInsensitiveMultiMap().add("Proxy-Authorization", basic("bob", BOB));
        int bobStatus = 0;
        for (int i = 0; i < 5 && bobStatus != 200; i++) {
          Resp r = other.forward(HttpMethod.GET, upstream.url("/echo/bob"), hb, null).await();
          bobStatus = r.status();
          if (bobStatus != 200) {
            assertEquals("AUTH_BUSY", r.header("X-Proxy-Error"), "only a busy pool delays bob");
            Thread.sleep(1_000);
          }
        }
        attacker.join();
        stop.set(true);
        Thread.sleep(200);
        JsonObject auth = auth(proxy);

        assertEquals(200, bobStatus, "bob logged in from another address during the attack");
        assertTrue(statuses.size() > 50, "the valid client kept sending: " + statuses.size());
        assertTrue(statuses.stream().allMatch(s -> s == 200), "valid client: " + statuses);
        long p50 = percentile(latencies, 0.50);
        long p99 = percentile(latencies, 0.99);
        long checks = auth.getLong("verifications");
        System.out.printf(
            "valid client during the attack: %d requests, p50 %d ms, p99 %d ms; PBKDF2 runs %d"
                + " (%s)%n",
            latencies.size(), p50, p99, checks, auth.encode());
        assertTrue(p50 < 100, "valid client p50 " + p50 + " ms");
        // The worst of some 60 requests, on two cores shared with other builds: a loose bound.
        assertTrue(p99 < 2_000, "valid client p99 " + p99 + " ms");
        // + 2: alice's warm-up and bob's login.
        assertTrue(checks <= maxChecks(8_000) + 2, "PBKDF2 runs bounded: " + auth.encode());
      } finally {
        same.close();
        other.close();
      }
    }
  }

  @Test
  void aReloadAppliesANewLimitToTheNextAttemptAndKeepsTheCounts(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("proxy.json");
    JsonObject config =
        ProxyFixture.baseConfig(null, null)
            .put("credentialsFile", creds.toString())
            .put("authFailureLimit", 50)
            .put("authLockout", 1.0);
    Files.writeString(file, config.encodePrettily());
    try (ProxyHarness proxy = ProxyHarness.fromFile(file);
        Socket s = new Socket("127.0.0.1", proxy.port())) {
      String malformed =
          "GET "
              + upstream.url("/echo/reload")
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Authorization: Basic %%%\r\n\r\n";
      for (int i = 0; i < 5; i++) {
        assertEquals(407, RawHttp.status(RawHttp.exchange(s, malformed)), "failure " + i);
      }
      Files.writeString(file, config.put("authFailureLimit", 3).encodePrettily());
      Resp reload = proxy.admin().local(HttpMethod.POST, "/admin/reload", null).await();
      assertEquals(200, reload.status(), reload.body().toString());
      assertTrue(
          reload.json().getJsonArray("applied").contains("authFailureLimit"),
          reload.json().encode());

      // The sixth failure is three past the new limit: 1 s doubled three times.
      assertEquals(407, RawHttp.status(RawHttp.exchange(s, malformed)));
      String locked = RawHttp.exchange(s, malformed);
      assertEquals(429, RawHttp.status(locked), locked);
      assertTrue(locked.contains("AUTH_LOCKED"), locked);
      long after = Long.parseLong(header(locked, "retry-after"));
      assertTrue(after >= 7 && after <= 8, "Retry-After " + after);
      assertEquals(0, auth(proxy).getLong("verifications"));
    }
  }

  /**
   * The numbers in the README: the same 8 s attack against the guard as configured above and
   * against a node where it cannot bite (a limit no guesser reaches, 20 checks at once: what the
   * Vert.x worker pool allowed before). Run with {@code -Dguessing.measure=true}.
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(
      named = "guessing.measure",
      matches = "true")
  void measuresAnEightSecondAttackWithAndWithoutTheGuard() throws Exception {
    JsonObject off =
        new JsonObject().put("authFailureLimit", 1_000_000).put("authVerifyConcurrency", 20);
    // A cold JVM under load pays class loading and JIT in the first run: warm up first, then
    // alternate, so neither side gets the cold start.
    try (ProxyHarness warm = proxy()) {
      attack(warm.port(), upstream.url("/echo/guess"), Guess.WRONG_PASSWORD, 3_000);
    }
    for (JsonObject overrides : List.of(off, new JsonObject(), off, new JsonObject())) {
      try (ProxyHarness proxy = proxy(overrides)) {
        ProxyClient same = new ProxyClient(clientVertx, proxy.port());
        String alice = basic("alice", ALICE);
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Proxy-Authorization", alice);
        assertEquals(
            200,
            same.forward(HttpMethod.GET, upstream.url("/echo/warm"), h, null).await().status());
        AtomicBoolean stop = new AtomicBoolean();
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        List<Long> latencies = validClient(same, alice, stop, statuses);
        Tally t = attack(proxy.port(), upstream.url("/echo/guess"), Guess.WRONG_PASSWORD, 8_000);
        stop.set(true);
        Thread.sleep(200);
        JsonObject auth = auth(proxy);
        System.out.printf(
            "MEASURE %s: %d guesses answered %s; PBKDF2 runs %d; valid client %d requests (%d not"
                + " 200), p50 %d ms, p99 %d ms%n",
            overrides.isEmpty() ? "guard on" : "guard off",
            t.total(),
            t.byStatus,
            auth.getLong("verifications"),
            latencies.size(),
            statuses.stream().filter(x -> x != 200).count(),
            percentile(latencies, 0.50),
            percentile(latencies, 0.99));
        same.close();
      }
    }
  }
}
