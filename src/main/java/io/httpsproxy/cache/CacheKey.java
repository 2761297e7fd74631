package io.httpsproxy.cache;

import io.httpsproxy.security.Target;

/**
 * The primary cache key (RFC 9111 section 2): the target URI, scheme, canonical host, explicit port
 * and path with query, so {@code https://Example.com/a} and {@code https://example.com:443/a} are
 * one entry. Purging by prefix compares against this form.
 */
public final class CacheKey {
  private CacheKey() {}

  public static String of(Target t) {
    String host = t.host().indexOf(':') >= 0 ? "[" + t.host() + "]" : t.host();
    return (t.https() ? "https://" : "http://") + host + ":" + t.port() + t.pathAndQuery();
  }
}
