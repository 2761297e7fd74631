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
 * <p>Fields: {@code key} the URL it answers; {@code body} as it arrived, chunk by chunk, never
 * written to; {@code requestTimeMs} / {@code responseTimeMs} when the request that fetched (or last
 * revalidated) it went upstream and its answer's head arrived; {@code vary} the selecting request
 * headers, lower-case name to value (null when absent); {@code authorized} stored for a request
 * with Authorization (allowed by public or s-maxage).
 */
public final class StoredResponse {
  private final String key;
  private final int status;
  private final List<Header> headers;
  private final List<byte[]> body;
  private final long bodyBytes;
  private final long requestTimeMs;
  private final long responseTimeMs;
  private final Map<String, String> vary;
  private final boolean authorized;

  // Parsed once: a hit reads them without parsing dates or directives again.
  private final CacheControl cacheControl;
  private final String etag;
  private final String lastModified;
  private final long dateMs;
  private final boolean hasExpires;
  private final long expiresMs;
  private final long ageHeaderMs;
  private final int weight;

  public StoredResponse(
      String key,
      int status,
      List<Header> headers,
      List<byte[]> body,
      long bodyBytes,
      long requestTimeMs,
      long responseTimeMs,
      Map<String, String> vary,
      boolean authorized) {
    this.key = key;
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.bodyBytes = bodyBytes;
    this.requestTimeMs = requestTimeMs;
    this.responseTimeMs = responseTimeMs;
    this.vary = vary;
    this.authorized = authorized;
    this.cacheControl = CacheControl.of(headers);
    this.etag = HttpDates.first(headers, "etag");
    this.lastModified = HttpDates.first(headers, "last-modified");
    long date = HttpDates.parse(HttpDates.first(headers, "date"));
    this.dateMs = date < 0 ? responseTimeMs : date;
    String expires = HttpDates.first(headers, "expires");
    this.hasExpires = expires != null;
    this.expiresMs = HttpDates.parse(expires);
    this.ageHeaderMs = ageOf(HttpDates.first(headers, "age"));
    this.weight = weigh();
  }

  /** The Age header in milliseconds: a list counts by its first member, junk as 0. */
  private static long ageOf(String age) {
    if (age == null) {
      return 0;
    }
    int comma = age.indexOf(',');
    String first = (comma < 0 ? age : age.substring(0, comma)).trim();
    try {
      return Math.min(Math.max(0, Long.parseLong(first)), Integer.MAX_VALUE) * 1000L;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public String key() {
    return key;
  }

  public int status() {
    return status;
  }

  public List<Header> headers() {
    return headers;
  }

  public List<byte[]> body() {
    return body;
  }

  public long bodyBytes() {
    return bodyBytes;
  }

  public long requestTimeMs() {
    return requestTimeMs;
  }

  public long responseTimeMs() {
    return responseTimeMs;
  }

  public Map<String, String> vary() {
    return vary;
  }

  public boolean authorized() {
    return authorized;
  }

  /** The Date header (or when the response arrived, without one), epoch ms. */
  long dateMs() {
    return dateMs;
  }

  boolean hasExpires() {
    return hasExpires;
  }

  /** Expires, epoch ms; -1 when invalid (which means already stale). */
  long expiresMs() {
    return expiresMs;
  }

  long ageHeaderMs() {
    return ageHeaderMs;
  }

  /** What a 304 must not replace of the stored head (RFC 9111 section 3.2). */
  private static final Set<String> KEPT_ON_UPDATE =
      Set.of("content-length", "content-encoding", "transfer-encoding", "content-range");

  /** The bytes the cache counts for it: the body, its heads' characters, and some overhead. */
  int weight() {
    return weight;
  }

  private int weigh() {
    long w = bodyBytes + 256 + 32L * body.size();
    for (Header h : headers) {
      w += 2L * (h.name().length() + h.value().length()) + 32;
    }
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  CacheControl cacheControl() {
    return cacheControl;
  }

  String etag() {
    return etag;
  }

  String lastModified() {
    return lastModified;
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
