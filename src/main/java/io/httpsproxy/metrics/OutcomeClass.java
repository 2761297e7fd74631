package io.httpsproxy.metrics;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Outcome;

/**
 * What an answer of the proxy's own says about where the trouble was, for the dashboard and {@code
 * /stats} {@code classes}: the client or the policy (a 4xx: malformed, denied, unauthenticated,
 * rate-limited, gone), the upstream (it failed or the node serving it was lost), a timeout, the
 * node's own load (503 rejections), or a bug. {@link Outcome} groups policy refusals and upstream
 * failures as "error", which told an operator nothing about which one to chase.
 */
public enum OutcomeClass {
  REFUSED("refused"),
  UPSTREAM_FAILED("upstreamFailed"),
  TIMEOUT("timeouts"),
  OVERLOAD("overload"),
  INTERNAL("internal");

  private final String key;

  OutcomeClass(String key) {
    this.key = key;
  }

  /** The key in {@code /stats} {@code classes}. */
  public String key() {
    return key;
  }

  public static OutcomeClass of(FailureCode code) {
    if (code.outcome() == Outcome.TIMEOUT) {
      return TIMEOUT;
    }
    if (code == FailureCode.INTERNAL) {
      return INTERNAL;
    }
    if (code == FailureCode.NODE_LOST || code.name().startsWith("UPSTREAM_")) {
      return UPSTREAM_FAILED;
    }
    // 429s are rejections by outcome, but this client's own doing (rateLimit, a lockout).
    if (code.status() >= 400 && code.status() < 500) {
      return REFUSED;
    }
    return code.outcome() == Outcome.REJECTED ? OVERLOAD : REFUSED;
  }
}
