package io.httpsproxy.ingress;

import java.util.concurrent.ThreadLocalRandom;

/** Request ids: 32 hex digits, the shape of a W3C trace id, so they can become one later. */
final class RequestIds {
  private RequestIds() {}

  static String next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return hex(r.nextLong()) + hex(r.nextLong());
  }

  private static String hex(long v) {
    String s = Long.toHexString(v);
    return "0".repeat(16 - s.length()) + s;
  }
}
