package io.httpsproxy.cache;

import io.httpsproxy.protocol.Header;
import java.util.List;

/**
 * What the cache needs to know of a request: its method, the headers that go upstream, and the
 * directives and conditions among them.
 */
public final class CacheRequest {
  final String method;
  final String key;
  final List<Header> headers;
  final CacheControl cc;
  final boolean authorization;
  final boolean conditional;
  final boolean noCache;

  public CacheRequest(String method, String key, List<Header> headers) {
    this.method = method;
    this.key = key;
    this.headers = headers;
    this.cc = CacheControl.of(headers);
    this.authorization = HttpDates.first(headers, "authorization") != null;
    this.conditional =
        HttpDates.first(headers, "if-none-match") != null
            || HttpDates.first(headers, "if-modified-since") != null
            || HttpDates.first(headers, "if-match") != null
            || HttpDates.first(headers, "if-unmodified-since") != null
            || HttpDates.first(headers, "if-range") != null;
    // RFC 9111 section 5.4: Pragma: no-cache counts only without a Cache-Control line.
    String pragma = HttpDates.joined(headers, "pragma");
    this.noCache =
        cc.has("no-cache") || (cc.isEmpty() && pragma != null && pragma.contains("no-cache"));
  }

  /** The same request as a GET: what a HEAD's answer would update (RFC 9111 section 4.3.5). */
  CacheRequest asGet() {
    return new CacheRequest("GET", key, headers);
  }

  public String key() {
    return key;
  }

  public boolean isGet() {
    return method.equals("GET");
  }

  /** Neither looked up nor stored: not GET or HEAD, a Range request, or no-store asked for. */
  public boolean bypasses() {
    return !(method.equals("GET") || method.equals("HEAD"))
        || HttpDates.first(headers, "range") != null
        || cc.has("no-store");
  }

  /** RFC 9111 section 5.2.1.7: answer from the cache or 504. */
  public boolean onlyIfCached() {
    return cc.has("only-if-cached");
  }

  public List<Header> headers() {
    return headers;
  }
}
