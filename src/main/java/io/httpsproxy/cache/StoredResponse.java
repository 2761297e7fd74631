package io.httpsproxy.cache;

import io.httpsproxy.protocol.Header;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A response held by the cache: its status, end-to-end headers and whole body, when it was asked
 * for and received (for its age, RFC 9111 section 4.2.3), and the request header values its Vary
 * names (section 4.1). Immutable; a revalidation makes a new one.
 *
 * @param key the URL it answers ({@link CacheKey})
 * @param body the body as it arrived, chunk by chunk, never written to
 * @param requestTimeMs when the request that fetched (or last revalidated) it went upstream
 * @param responseTimeMs when that response's head arrived
 * @param vary the selecting request headers, lower-case name to value (null when absent)
 * @param authorized stored for a request with Authorization (allowed by public or s-maxage)
 */
public record StoredResponse(
    String key,
    int status,
    List<Header> headers,
    List<byte[]> body,
    long bodyBytes,
    long requestTimeMs,
    long responseTimeMs,
    Map<String, String> vary,
    boolean authorized) {

  /** What a 304 must not replace of the stored head (RFC 9111 section 3.2). */
  private static final Set<String> KEPT_ON_UPDATE =
      Set.of("content-length", "content-encoding", "transfer-encoding", "content-range");

  /** The bytes the cache counts for it: the body, its heads' characters, and some overhead. */
  int weight() {
    long w = bodyBytes + 256 + 32L * body.size();
    for (Header h : headers) {
      w += 2L * (h.name().length() + h.value().length()) + 32;
    }
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  CacheControl cacheControl() {
    return CacheControl.of(headers);
  }

  String etag() {
    return HttpDates.first(headers, "etag");
  }

  String lastModified() {
    return HttpDates.first(headers, "last-modified");
  }

  boolean hasValidator() {
    return etag() != null || lastModified() != null;
  }

  /**
   * This response refreshed by a 304's headers (RFC 9111 section 4.3.4): each header the 304 names
   * replaces the stored lines of that name, except the framing ones; the times are the 304's.
   */
  StoredResponse refreshedBy(List<Header> notModified, long requestMs, long responseMs) {
    Set<String> replaced = new java.util.HashSet<>();
    for (Header h : notModified) {
      String n = h.name().toLowerCase(Locale.ROOT);
      if (!KEPT_ON_UPDATE.contains(n)) {
        replaced.add(n);
      }
    }
    List<Header> merged = new ArrayList<>(headers.size() + notModified.size());
    for (Header h : headers) {
      if (!replaced.contains(h.name().toLowerCase(Locale.ROOT))) {
        merged.add(h);
      }
    }
    for (Header h : notModified) {
      if (replaced.contains(h.name().toLowerCase(Locale.ROOT))) {
        merged.add(h);
      }
    }
    return new StoredResponse(
        key, status, merged, body, bodyBytes, requestMs, responseMs, vary, authorized);
  }
}
