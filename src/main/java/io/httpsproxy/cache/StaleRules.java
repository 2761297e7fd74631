package io.httpsproxy.cache;

import io.httpsproxy.protocol.FailureCode;
import java.util.Set;

/**
 * When a stale response may answer instead of the origin (RFC 9111 section 4.2.4): never when a
 * directive forbids it (must-revalidate, proxy-revalidate, s-maxage, no-cache, or a request asking
 * for freshness); when the origin cannot be reached; and for a 5xx answer only within the
 * stale-if-error window of the response or the request (RFC 5861 section 4).
 */
final class StaleRules {
  /** Failures that mean the origin could not be reached or did not answer. */
  private static final Set<FailureCode> DISCONNECTED =
      Set.of(
          FailureCode.UPSTREAM_TIMEOUT,
          FailureCode.UPSTREAM_DNS,
          FailureCode.UPSTREAM_DNS_TIMEOUT,
          FailureCode.UPSTREAM_REFUSED,
          FailureCode.UPSTREAM_RESET,
          FailureCode.UPSTREAM_PROTOCOL,
          FailureCode.UPSTREAM_ERROR);

  private StaleRules() {}

  static boolean onFailure(StoredResponse e, CacheRequest req, FailureCode code, long nowMs) {
    return DISCONNECTED.contains(code) && allowed(e, req);
  }

  static boolean onErrorStatus(StoredResponse e, CacheRequest req, int status, long nowMs) {
    if (status < 500 || status > 504 || status == 501 || !allowed(e, req)) {
      return false;
    }
    long window =
        Math.max(e.cacheControl().seconds("stale-if-error"), req.cc.seconds("stale-if-error"));
    if (window < 0) {
      return false;
    }
    long staleness = CacheRules.ageMs(e, nowMs) - CacheRules.lifetimeMs(e, 0);
    return staleness <= window * 1000;
  }

  private static boolean allowed(StoredResponse e, CacheRequest req) {
    CacheControl cc = e.cacheControl();
    boolean forbidden =
        cc.has("must-revalidate")
            || cc.has("proxy-revalidate")
            || cc.has("s-maxage")
            || (cc.has("no-cache") && cc.value("no-cache").isEmpty())
            || req.noCache
            || req.cc.has("max-age")
            || req.cc.has("min-fresh");
    return !forbidden;
  }
}
