package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * How the proxy answers password guessing (see security/AuthGuard): failed attempts per client
 * address and per user name before a lockout, the lockout and its doubling, and how many PBKDF2
 * checks may run at once. Flat keys in the config file, like every other setting; all live.
 *
 * @param failureLimit failed attempts before the first lockout
 * @param lockout the first lockout; it doubles with each further failure
 * @param lockoutMax the longest lockout
 * @param verifyConcurrency PBKDF2 checks running at once on this node; 0 = half the cores
 */
public record AuthGuardConfig(
    int failureLimit, Duration lockout, Duration lockoutMax, int verifyConcurrency) {
  /** fail2ban's and OWASP's order of magnitude: a person mistyping does not reach it. */
  public static final int DEFAULT_AUTH_FAILURE_LIMIT = 10;

  /** Short: a mistyping user waits a second; a guesser, 1, 2, 4 ... seconds. */
  public static final double DEFAULT_AUTH_LOCKOUT = 1.0;

  /** Nine doublings past the limit reach it; then 300 s per further failure. */
  public static final double DEFAULT_AUTH_LOCKOUT_MAX = 300.0;

  /** 0: half the cores, at least one, so verification leaves the rest to the traffic. */
  public static final int DEFAULT_AUTH_VERIFY_CONCURRENCY = 0;

  public AuthGuardConfig {
    ConfigChecks.checkRange("authFailureLimit", failureLimit, 1, 1_000_000);
    ConfigChecks.checkPositive("authLockout", lockout);
    ConfigChecks.checkPositive("authLockoutMax", lockoutMax);
    if (lockoutMax.compareTo(lockout) < 0) {
      throw ConfigException.invalid(
          "authLockoutMax",
          JsonFields.toSeconds(lockoutMax),
          ">= authLockout (" + JsonFields.toSeconds(lockout) + " seconds)");
    }
    ConfigChecks.checkRange("authVerifyConcurrency", verifyConcurrency, 0, 1024);
  }

  public static AuthGuardConfig defaults() {
    return fromJson(new JsonObject());
  }

  static AuthGuardConfig fromJson(JsonObject j) {
    return new AuthGuardConfig(
        JsonFields.integer(j, "authFailureLimit", DEFAULT_AUTH_FAILURE_LIMIT),
        JsonFields.seconds(j, "authLockout", DEFAULT_AUTH_LOCKOUT),
        JsonFields.seconds(j, "authLockoutMax", DEFAULT_AUTH_LOCKOUT_MAX),
        JsonFields.integer(j, "authVerifyConcurrency", DEFAULT_AUTH_VERIFY_CONCURRENCY));
  }

  void putInto(JsonObject j) {
    j.put("authFailureLimit", failureLimit)
        .put("authLockout", JsonFields.toSeconds(lockout))
        .put("authLockoutMax", JsonFields.toSeconds(lockoutMax))
        .put("authVerifyConcurrency", verifyConcurrency);
  }

  /** The PBKDF2 checks allowed at once: verifyConcurrency, or half the cores (at least 1). */
  public int effectiveVerifyConcurrency() {
    return verifyConcurrency > 0
        ? verifyConcurrency
        : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }
}
