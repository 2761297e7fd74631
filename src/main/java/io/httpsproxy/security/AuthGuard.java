package io.httpsproxy.security;

import io.httpsproxy.config.AuthGuardConfig;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Makes password guessing slow and cheap (issue #12 item 1): every failed login counts against the
 * client's address and the user name it tried ({@link StrikeBook}); a locked client gets {@code 429
 * AUTH_LOCKED} with the seconds left before any PBKDF2 runs; the checks that do run take at most
 * {@code authVerifyConcurrency} threads ({@link VerifyPool}), beyond which {@code 503 AUTH_BUSY}. A
 * credential already known to be right (the {@link Authenticator}'s cache) passes at once, locked
 * address or not: it costs no PBKDF2 and proves the password, so a valid client behind the same
 * address as a guesser keeps working. One per node, kept across reloads (its settings are read per
 * request); thread-safe.
 */
public final class AuthGuard {
  private final StrikeBook strikes;
  private final VerifyPool pool = new VerifyPool();
  private final LongAdder failures = new LongAdder();
  private final LongAdder lockouts = new LongAdder();
  private final LongAdder lockedAnswers = new LongAdder();
  private final LongAdder busy = new LongAdder();
  private final LongAdder verifications = new LongAdder();

  public AuthGuard() {
    this(new StrikeBook());
  }

  AuthGuard(StrikeBook strikes) {
    this.strikes = strikes;
  }

  /**
   * Checks a Basic credential (the text after "Basic ") from {@code address}: the user name, or a
   * failed future with the answer to give ({@code refused} for a wrong one). Completes on {@code
   * ctx} when a PBKDF2 check had to run, at once otherwise.
   */
  public Future<String> basic(
      Context ctx,
      AuthGuardConfig cfg,
      Authenticator auth,
      String basic,
      String address,
      FailureCode refused) {
    Optional<Optional<String>> cached = auth.cachedBasic(basic);
    if (cached.isPresent() && cached.get().isPresent()) {
      return Future.succeededFuture(cached.get().get());
    }
    String group = StrikeBook.group(address);
    String parsed = Authenticator.userName(basic);
    String name = parsed == null || parsed.isEmpty() ? null : parsed;
    ProxyException locked = locked(group, name);
    if (locked != null) {
      return Future.failedFuture(locked);
    }
    if (parsed == null) {
      return failed(
          group,
          null,
          cfg,
          refused,
          "malformed Basic credentials (expected: base64 of" + " user:password)");
    }
    if (cached.isPresent()) {
      return failed(group, name, cfg, refused, "invalid credentials");
    }
    Future<Optional<String>> checked =
        pool.tryRun(
            ctx,
            cfg.effectiveVerifyConcurrency(),
            group,
            () -> {
              // Another guess from this address may have locked it while this one waited.
              if (strikes.lockedNanos(group, name) > 0) {
                return null;
              }
              verifications.increment();
              return auth.verifyBasic(basic);
            });
    if (checked == null) {
      busy.increment();
      return Future.failedFuture(new ProxyException(FailureCode.AUTH_BUSY));
    }
    return checked.compose(
        user -> {
          if (user == null) {
            ProxyException again = locked(group, name);
            return Future.failedFuture(
                again != null ? again : new ProxyException(FailureCode.AUTH_BUSY));
          }
          if (user.isPresent()) {
            strikes.succeeded(group, name);
            return Future.succeededFuture(user.get());
          }
          return failed(group, name, cfg, refused, "invalid credentials");
        });
  }

  /** Checks a Bearer token (one SHA-256, so on the caller's thread): the user, or the answer. */
  public Future<String> bearer(
      AuthGuardConfig cfg, Authenticator auth, String token, String address, FailureCode refused) {
    Optional<String> user = auth.verifyBearer(token);
    if (user.isPresent()) {
      return Future.succeededFuture(user.get());
    }
    String group = StrikeBook.group(address);
    ProxyException locked = locked(group, null);
    if (locked != null) {
      return Future.failedFuture(locked);
    }
    return failed(group, null, cfg, refused, "invalid credentials");
  }

  private ProxyException locked(String group, String name) {
    long nanos = strikes.lockedNanos(group, name);
    if (nanos <= 0) {
      return null;
    }
    lockedAnswers.increment();
    long seconds = Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    return new ProxyException(
        FailureCode.AUTH_LOCKED,
        "too many failed logins from this client address or on this user name; retry in "
            + seconds
            + " s (authFailureLimit, authLockout, authLockoutMax)",
        seconds);
  }

  private <T> Future<T> failed(
      String group, String name, AuthGuardConfig cfg, FailureCode refused, String message) {
    failures.increment();
    if (strikes.fail(group, name, cfg)) {
      lockouts.increment();
    }
    return Future.failedFuture(new ProxyException(refused, message));
  }

  /** Failed logins counted (wrong password or token, unknown user, malformed credentials). */
  public long failures() {
    return failures.sum();
  }

  /** Failures that locked an address or a name, or made its lockout longer. */
  public long lockouts() {
    return lockouts.sum();
  }

  /** Requests answered 429 AUTH_LOCKED. */
  public long lockedAnswers() {
    return lockedAnswers.sum();
  }

  /** Requests answered 503 AUTH_BUSY. */
  public long busy() {
    return busy.sum();
  }

  /** PBKDF2 checks run. */
  public long verifications() {
    return verifications.sum();
  }

  /** PBKDF2 checks running now. */
  public int verifying() {
    return pool.running();
  }

  /** The {@code auth} section of /stats. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("failures", failures())
        .put("lockouts", lockouts())
        .put("locked", lockedAnswers())
        .put("busy", busy())
        .put("verifications", verifications())
        .put("verifying", verifying())
        .put("trackedAddresses", strikes.addresses())
        .put("trackedNames", strikes.names());
  }
}
