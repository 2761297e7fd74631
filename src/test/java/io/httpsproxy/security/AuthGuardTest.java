package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.AuthGuardConfig;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The failed-login book, its backoff and scoping, the password-check pool and the guard. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthGuardTest {
  private static final long SECOND = 1_000_000_000L;
  private static final AuthGuardConfig RULES =
      new AuthGuardConfig(10, Duration.ofSeconds(1), Duration.ofSeconds(300), 1);
  private static Vertx vertx;
  private static Authenticator auth;

  private final AtomicLong clock = new AtomicLong(-5 * SECOND); // nanoTime may be negative
  private final StrikeBook book = new StrikeBook(clock::get);

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    auth = Authenticator.of(List.of(PasswordHash.newPassword("alice", "s3cret".toCharArray())));
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static String basic(String user, String pw) {
    return Base64.getEncoder().encodeToString((user + ":" + pw).getBytes());
  }

  private void advance(double seconds) {
    clock.addAndGet((long) (seconds * SECOND));
  }

  // ---- backoff ----

  @Test
  void theLockoutStartsAtTheLimitDoublesAndStopsAtTheMaximum() {
    assertEquals(0, StrikeBook.lockoutNanos(9, RULES));
    assertEquals(SECOND, StrikeBook.lockoutNanos(10, RULES));
    assertEquals(2 * SECOND, StrikeBook.lockoutNanos(11, RULES));
    assertEquals(256 * SECOND, StrikeBook.lockoutNanos(18, RULES));
    assertEquals(300 * SECOND, StrikeBook.lockoutNanos(19, RULES));
    assertEquals(300 * SECOND, StrikeBook.lockoutNanos(Integer.MAX_VALUE, RULES));
    AuthGuardConfig odd = new AuthGuardConfig(3, Duration.ofMillis(250), Duration.ofMillis(900), 1);
    assertEquals(0, StrikeBook.lockoutNanos(2, odd));
    assertEquals(250_000_000L, StrikeBook.lockoutNanos(3, odd));
    assertEquals(500_000_000L, StrikeBook.lockoutNanos(4, odd));
    assertEquals(900_000_000L, StrikeBook.lockoutNanos(5, odd));
  }

  @Test
  void anAddressIsLockedAtTheLimitAndEachFurtherFailureDoublesTheLockout() {
    for (int i = 1; i < 10; i++) {
      assertFalse(book.fail("10.0.0.1", null, RULES), "failure " + i);
      assertEquals(0, book.lockedNanos("10.0.0.1", null));
    }
    assertTrue(book.fail("10.0.0.1", null, RULES));
    assertEquals(SECOND, book.lockedNanos("10.0.0.1", null));
    assertEquals(SECOND, book.lockedNanos("10.0.0.1", "anyone"));
    assertEquals(0, book.lockedNanos("10.0.0.2", null), "another address is not locked");

    advance(1.0);
    assertEquals(0, book.lockedNanos("10.0.0.1", null), "the lockout ended");
    assertTrue(book.fail("10.0.0.1", null, RULES));
    assertEquals(2 * SECOND, book.lockedNanos("10.0.0.1", null));
    advance(0.5);
    assertEquals(1_500_000_000L, book.lockedNanos("10.0.0.1", null));
  }

  @Test
  void failuresAreForgottenAfterAQuietLockoutMaxButNotBefore() {
    for (int i = 0; i < 10; i++) {
      book.fail("10.0.0.1", null, RULES);
    }
    advance(1.0 + 299);
    assertTrue(book.fail("10.0.0.1", null, RULES), "within lockoutMax: the 11th failure locks");
    assertEquals(2 * SECOND, book.lockedNanos("10.0.0.1", null));
    advance(2.0 + 300.5);
    book.cleanUp();
    assertEquals(0, book.addresses(), "forgotten");
    assertFalse(book.fail("10.0.0.1", null, RULES), "counting starts again");
  }

  // ---- scoping ----

  @Test
  void anIpv6ClientIsCountedByItsSlash64AndAMappedIpv4ClientAsIpv4() {
    assertEquals("192.0.2.7", StrikeBook.group("192.0.2.7"));
    assertEquals("192.0.2.7", StrikeBook.group("::ffff:192.0.2.7"));
    assertEquals(StrikeBook.group("2001:db8:1:2::1"), StrikeBook.group("2001:db8:1:2:ffff:1:2:3"));
    assertEquals(
        StrikeBook.group("2001:db8:1:2::1"), StrikeBook.group("2001:0db8:0001:0002:0:0:0:9"));
    assertNotEquals(StrikeBook.group("2001:db8:1:2::1"), StrikeBook.group("2001:db8:1:3::1"));
    assertEquals(StrikeBook.group("fe80::1%eth0"), StrikeBook.group("fe80::2"));
    assertEquals("unknown", StrikeBook.group(null));

    for (int i = 0; i < 10; i++) {
      book.fail(StrikeBook.group("2001:db8:1:2::" + Integer.toHexString(i + 1)), null, RULES);
    }
    assertTrue(book.lockedNanos(StrikeBook.group("2001:db8:1:2:abcd::1"), null) > 0);
    assertEquals(0, book.lockedNanos(StrikeBook.group("2001:db8:1:3::1"), null));
  }

  @Test
  void aLockedNameHoldsOnlyForTheAddressesThatFailedOnIt() {
    for (int i = 1; i <= 10; i++) {
      book.fail("10.0.0." + i, "alice", RULES); // one failure each: no address is locked
    }
    for (int i = 1; i <= 10; i++) {
      assertEquals(SECOND, book.lockedNanos("10.0.0." + i, "alice"), "10.0.0." + i);
      assertEquals(0, book.lockedNanos("10.0.0." + i, "bob"), "another name from it");
      assertEquals(0, book.lockedNanos("10.0.0." + i, null));
    }
    assertEquals(0, book.lockedNanos("10.0.0.99", "alice"), "the real alice, elsewhere");
    book.fail("10.0.0.99", "alice", RULES);
    assertEquals(2 * SECOND, book.lockedNanos("10.0.0.99", "alice"), "once it fails, it is in");
  }

  @Test
  void aSuccessForgetsOnlyItsOwnAddressOnThatName() {
    for (int i = 0; i < 9; i++) {
      book.fail("10.0.0.1", "alice", RULES);
    }
    book.fail("10.0.0.2", "alice", RULES); // the name is at 10: locked for both
    assertTrue(book.lockedNanos("10.0.0.2", "alice") > 0);
    book.succeeded("10.0.0.2", "alice");
    assertEquals(0, book.lockedNanos("10.0.0.2", "alice"), "it proved the password");
    assertTrue(book.lockedNanos("10.0.0.1", "alice") > 0, "the other address stays locked");
    assertTrue(book.fail("10.0.0.1", null, RULES), "its own count was not reset: 10th locks");
  }

  @Test
  void theTablesAreBounded() {
    for (int i = 0; i < StrikeBook.MAX_ENTRIES + 20_000; i++) {
      book.fail("a" + i, "n" + i, RULES);
    }
    book.cleanUp();
    assertTrue(book.addresses() <= StrikeBook.MAX_ENTRIES, "addresses " + book.addresses());
    assertTrue(book.names() <= StrikeBook.MAX_ENTRIES, "names " + book.names());
  }

  // ---- the pool ----

  @Test
  void thePoolRunsAtMostItsCapAtOnceAndRefusesBeyondTheWaitingRoom() throws Exception {
    VerifyPool pool = new VerifyPool();
    Context ctx = vertx.getOrCreateContext();
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    int admittedMost = 2 * (1 + VerifyPool.WAITING_PER_SLOT);
    List<Future<Integer>> admitted = new ArrayList<>();
    for (int i = 0; i < admittedMost; i++) {
      Future<Integer> f =
          pool.tryRun(
              ctx,
              2,
              "client" + (i / 2),
              () -> {
                most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                release.await();
                inside.decrementAndGet();
                return 1;
              });
      assertNotNull(f, "admitted " + i);
      admitted.add(f);
    }
    assertNull(pool.tryRun(ctx, 2, "another", () -> 1), "beyond the waiting room");
    Thread.sleep(200);
    assertEquals(2, pool.running());
    release.countDown();
    int sum = 0;
    for (Future<Integer> f : admitted) {
      sum += f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    assertEquals(admittedMost, sum);
    assertEquals(2, most.get(), "never more than the cap at once");
    assertEquals(0, pool.admitted());
    assertNotNull(pool.tryRun(ctx, 2, "another", () -> 1), "room again");
  }

  @Test
  void oneClientHoldsAtMostTheCapOfPlacesSoOthersStillGetIn() throws Exception {
    VerifyPool pool = new VerifyPool();
    Context ctx = vertx.getOrCreateContext();
    CountDownLatch release = new CountDownLatch(1);
    Future<Integer> first =
        pool.tryRun(
            ctx,
            1,
            "guesser",
            () -> {
              release.await();
              return 1;
            });
    assertNotNull(first);
    assertNull(pool.tryRun(ctx, 1, "guesser", () -> 1), "the guesser's second check");
    Future<Integer> other = pool.tryRun(ctx, 1, "bob", () -> 2);
    assertNotNull(other, "another client waits behind it");
    release.countDown();
    assertEquals(2, other.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    first.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Thread.sleep(50);
    assertNotNull(pool.tryRun(ctx, 1, "guesser", () -> 1), "its place is free again");
  }

  @Test
  void theAnswerCompletesOnTheCallersContextNeverOnThePoolThread() throws Exception {
    VerifyPool pool = new VerifyPool();
    Context ctx = vertx.getOrCreateContext();
    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger onContext = new AtomicInteger();
    String[] taskThread = new String[1];
    ctx.runOnContext(
        v ->
            pool.tryRun(
                    ctx,
                    1,
                    "client",
                    () -> {
                      taskThread[0] = Thread.currentThread().getName();
                      return 1;
                    })
                .onComplete(
                    ar -> {
                      if (Vertx.currentContext() == ctx) {
                        onContext.incrementAndGet();
                      }
                      done.countDown();
                    }));
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(1, onContext.get());
    assertTrue(taskThread[0].startsWith("auth-verify-"), taskThread[0]);
  }

  // ---- the guard ----

  private Throwable failure(Future<String> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
  }

  private Future<String> login(AuthGuard guard, String credential, String address) {
    return guard.basic(
        vertx.getOrCreateContext(),
        RULES,
        auth,
        credential,
        address,
        FailureCode.PROXY_AUTH_REQUIRED);
  }

  @Test
  void aLockedClientIsRefusedBeforeAnyPasswordCheckAndAKnownGoodCredentialStillPasses()
      throws Exception {
    AuthGuard guard = new AuthGuard(book);
    Authenticator fresh =
        Authenticator.of(List.of(PasswordHash.newPassword("alice", "s3cret".toCharArray())));
    assertEquals(
        "alice",
        guard
            .basic(
                vertx.getOrCreateContext(),
                RULES,
                fresh,
                basic("alice", "s3cret"),
                "10.0.0.1",
                FailureCode.PROXY_AUTH_REQUIRED)
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS));
    for (int i = 0; i < 10; i++) {
      ProxyException e =
          (ProxyException)
              failure(
                  guard.basic(
                      vertx.getOrCreateContext(),
                      RULES,
                      fresh,
                      basic("user" + i, "guess" + i),
                      "10.0.0.1",
                      FailureCode.PROXY_AUTH_REQUIRED));
      assertEquals(FailureCode.PROXY_AUTH_REQUIRED, e.code());
      assertFalse(e.getMessage().contains("guess"), e.getMessage());
    }
    long checks = guard.verifications();
    assertEquals(11, checks);

    ProxyException locked =
        (ProxyException)
            failure(
                guard.basic(
                    vertx.getOrCreateContext(),
                    RULES,
                    fresh,
                    basic("alice", "another-guess"),
                    "10.0.0.1",
                    FailureCode.PROXY_AUTH_REQUIRED));
    assertEquals(FailureCode.AUTH_LOCKED, locked.code());
    assertEquals(1, locked.retryAfterSeconds());
    assertTrue(locked.getMessage().contains("authFailureLimit"), locked.getMessage());
    assertFalse(locked.getMessage().contains("another-guess"), locked.getMessage());
    assertEquals(checks, guard.verifications(), "no PBKDF2 for a locked client");
    assertEquals(1, guard.lockouts());
    assertEquals(10, guard.failures());

    // A malformed credential from the locked address is refused the same way.
    ProxyException malformed =
        (ProxyException) failure(login(guard, "%%%not-base64%%%", "10.0.0.1"));
    assertEquals(FailureCode.AUTH_LOCKED, malformed.code());
    // The credential verified before passes from the locked address: it costs nothing.
    assertEquals(
        "alice",
        guard
            .basic(
                vertx.getOrCreateContext(),
                RULES,
                fresh,
                basic("alice", "s3cret"),
                "10.0.0.1",
                FailureCode.PROXY_AUTH_REQUIRED)
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS));
    assertEquals(checks, guard.verifications());
  }

  @Test
  void malformedCredentialsAndWrongTokensCountWithoutAPasswordCheck() throws Exception {
    AuthGuard guard = new AuthGuard(book);
    for (String bad : List.of("%%%", basicRaw("no-colon"), basicRaw(":empty-name"))) {
      ProxyException e = (ProxyException) failure(login(guard, bad, "10.0.0.5"));
      assertEquals(FailureCode.PROXY_AUTH_REQUIRED, e.code());
      assertTrue(e.getMessage().startsWith("malformed Basic credentials"), e.getMessage());
    }
    for (int i = 0; i < 7; i++) {
      ProxyException e =
          (ProxyException)
              failure(guard.bearer(RULES, auth, "tok" + i, "10.0.0.5", FailureCode.AUTH_REQUIRED));
      assertEquals(FailureCode.AUTH_REQUIRED, e.code());
    }
    assertEquals(0, guard.verifications());
    ProxyException locked =
        (ProxyException)
            failure(guard.bearer(RULES, auth, "tok-next", "10.0.0.5", FailureCode.AUTH_REQUIRED));
    assertEquals(FailureCode.AUTH_LOCKED, locked.code());
  }

  @Test
  void repeatingAKnownWrongPasswordCostsNoCheckButStillCounts() throws Exception {
    AuthGuard guard = new AuthGuard(book);
    for (int i = 0; i < 10; i++) {
      failure(login(guard, basic("alice", "same-wrong"), "10.0.0.6"));
    }
    assertTrue(guard.verifications() <= 1, "checked once: " + guard.verifications());
    ProxyException e = (ProxyException) failure(login(guard, basic("alice", "x"), "10.0.0.6"));
    assertEquals(FailureCode.AUTH_LOCKED, e.code());
  }

  private static String basicRaw(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes());
  }
}
