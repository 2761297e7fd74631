package io.httpsproxy.ingress;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Random ids in W3C trace-context shapes: a 32-hex trace id (which is the request id) and a 16-hex
 * span id, never all zeros (the spec's invalid value).
 */
final class RequestIds {
  private RequestIds() {}

  /** A new trace id, 32 lower-case hex digits. */
  static String next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = r.nextLong();
    long lo = r.nextLong();
    return hex(hi) + hex(lo == 0 && hi == 0 ? 1 : lo);
  }

  /** A new span (parent) id, 16 lower-case hex digits. */
  static String nextSpan() {
    long v = ThreadLocalRandom.current().nextLong();
    return hex(v == 0 ? 1 : v);
  }

  private static String hex(long v) {
    String s = Long.toHexString(v);
    return "0".repeat(16 - s.length()) + s;
  }
}
