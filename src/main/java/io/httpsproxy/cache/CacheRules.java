package io.httpsproxy.cache;

import io.httpsproxy.protocol.Header;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * RFC 9111 for a shared cache, as pure functions: what may be stored (section 3), how long it stays
 * fresh (4.2.1, 4.2.2), its age (4.2.3), and whether a stored response may answer a request (4, 4.1
 * Vary, 3.5 Authorization, 5.2 directives).
 */
final class CacheRules {
  /** What a stored response can do for a request. */
  enum Use {
    /** Fresh and acceptable: answer with it. */
    FRESH,
    /** Stale, and the request allows it (max-stale) without revalidation. */
    STALE,
    /** Only after the origin says it is still current (a conditional request). */
    REVALIDATE,
    /** Not for this request (Vary, Authorization): go upstream as if nothing were stored. */
    NONE
  }

  /** RFC 9110 section 15.1: statuses cacheable by default (heuristically). */
  private static final java.util.Set<Integer> HEURISTIC =
      java.util.Set.of(200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501);

  private CacheRules() {}

  /**
   * Section 3 for a shared cache, plus one rule of this proxy: a response with Set-Cookie is never
   * shared. {@code heuristic} is the cacheHeuristic fraction.
   */
  static boolean storable(CacheRequest req, int status, List<Header> resp, double heuristic) {
    if (!req.isGet() || status < 200 || status == 206 || status == 304 || req.cc.has("no-store")) {
      return false;
    }
    CacheControl cc = CacheControl.of(resp);
    if (cc.has("no-store") || cc.has("private") || cc.has("must-understand")) {
      return false;
    }
    if (HttpDates.first(resp, "set-cookie") != null || varyOf(resp, req.headers) == null) {
      return false;
    }
    if (req.authorization && !allowsAuthorized(cc)) {
      return false;
    }
    boolean explicit =
        cc.has("s-maxage") || cc.has("max-age") || HttpDates.first(resp, "expires") != null;
    boolean heuristicOk =
        HEURISTIC.contains(status)
            && (heuristic > 0 || cc.has("no-cache") || validator(resp) || cc.has("public"));
    return explicit || cc.has("public") || heuristicOk;
  }

  /**
   * Section 5.2.2.4: the header fields a qualified no-cache names are not stored (so they are never
   * reused without the origin; the rest of the response may be).
   */
  static List<Header> withoutQualified(List<Header> resp) {
    String fields = CacheControl.of(resp).value("no-cache");
    if (fields == null || fields.isEmpty()) {
      return resp;
    }
    java.util.Set<String> drop = new java.util.HashSet<>();
    for (String f : fields.split(",")) {
      drop.add(f.trim().toLowerCase(Locale.ROOT));
    }
    return resp.stream().filter(h -> !drop.contains(h.name().toLowerCase(Locale.ROOT))).toList();
  }

  /** Section 3.5: public, s-maxage or must-revalidate let a shared cache reuse it. */
  static boolean allowsAuthorized(CacheControl cc) {
    return cc.has("public") || cc.has("s-maxage") || cc.has("must-revalidate");
  }

  private static boolean validator(List<Header> resp) {
    return HttpDates.first(resp, "etag") != null || HttpDates.first(resp, "last-modified") != null;
  }

  /** Section 4.2.1; heuristic (4.2.2) only with a fraction and a Last-Modified. */
  static long lifetimeMs(StoredResponse e, double heuristic) {
    CacheControl cc = e.cacheControl();
    long s = cc.seconds("s-maxage");
    if (s >= 0) {
      return s * 1000;
    }
    long m = cc.seconds("max-age");
    if (m >= 0) {
      return m * 1000;
    }
    long date = e.dateMs();
    if (e.hasExpires()) {
      return e.expiresMs() < 0 ? 0 : Math.max(0, e.expiresMs() - date);
    }
    long lastModified = HttpDates.parse(e.lastModified());
    if (heuristic > 0 && lastModified >= 0 && HEURISTIC.contains(e.status())) {
      return (long) (Math.max(0, date - lastModified) * heuristic);
    }
    return 0;
  }

  /** Section 4.2.3: current_age. */
  static long ageMs(StoredResponse e, long nowMs) {
    long apparent = Math.max(0, e.responseTimeMs() - e.dateMs());
    long ageValue = e.ageHeaderMs();
    long delay = Math.max(0, e.responseTimeMs() - e.requestTimeMs());
    long initial = Math.max(apparent, ageValue + delay);
    return initial + Math.max(0, nowMs - e.responseTimeMs());
  }

  /** What {@code e} can do for {@code req} now. */
  static Use use(StoredResponse e, CacheRequest req, long nowMs, double heuristic) {
    if (!varyMatches(e, req) || (req.authorization && !allowsAuthorized(e.cacheControl()))) {
      return Use.NONE;
    }
    CacheControl cc = e.cacheControl();
    if (req.noCache || (cc.has("no-cache") && cc.value("no-cache").isEmpty())) {
      return Use.REVALIDATE; // no-cache="field" only keeps those fields out (withoutQualified)
    }
    long lifetime = lifetimeMs(e, heuristic);
    long age = ageMs(e, nowMs);
    long maxAge = req.cc.seconds("max-age");
    long minFresh = Math.max(0, req.cc.seconds("min-fresh"));
    boolean fresh = age < lifetime;
    if (fresh && (maxAge < 0 || age <= maxAge * 1000) && lifetime - age >= minFresh * 1000) {
      return Use.FRESH;
    }
    boolean mustRevalidate =
        cc.has("must-revalidate") || cc.has("proxy-revalidate") || cc.has("s-maxage");
    String maxStale = req.cc.value("max-stale");
    if (!fresh && maxStale != null && !mustRevalidate && (maxAge < 0 || age <= maxAge * 1000)) {
      long allowed = maxStale.isEmpty() ? Long.MAX_VALUE : req.cc.seconds("max-stale") * 1000;
      if (age - lifetime <= allowed) {
        return Use.STALE;
      }
    }
    return Use.REVALIDATE;
  }

  /**
   * The request headers a response's Vary selects, lower-case name to the request's value (null
   * when the request lacks it); null for {@code Vary: *}, which never matches.
   */
  static Map<String, String> varyOf(List<Header> resp, List<Header> req) {
    Map<String, String> out = new HashMap<>();
    for (Header h : resp) {
      if (!h.name().equalsIgnoreCase("vary")) {
        continue;
      }
      for (String name : h.value().split(",")) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("*")) {
          return null;
        }
        if (!n.isEmpty()) {
          out.put(n, normalise(HttpDates.joined(req, n)));
        }
      }
    }
    return out;
  }

  static boolean varyMatches(StoredResponse e, CacheRequest req) {
    for (Map.Entry<String, String> v : e.vary().entrySet()) {
      if (!java.util.Objects.equals(
          v.getValue(), normalise(HttpDates.joined(req.headers, v.getKey())))) {
        return false;
      }
    }
    return true;
  }

  /** Section 4.1: whitespace around commas does not make a different value. */
  private static String normalise(String v) {
    return v == null ? null : v.replaceAll("\\s*,\\s*", ",").trim();
  }

  /**
   * RFC 9110 section 13.2.2: the client's own If-None-Match (weak comparison) or, without it,
   * If-Modified-Since against the stored response; true when the answer is 304.
   */
  static boolean notModified(StoredResponse e, CacheRequest req) {
    String inm = HttpDates.joined(req.headers, "if-none-match");
    if (inm != null) {
      String etag = e.etag();
      if (etag == null) {
        return false;
      }
      String mine = weak(etag);
      for (String tag : inm.split(",")) {
        String t = tag.trim();
        if (t.equals("*") || weak(t).equals(mine)) {
          return true;
        }
      }
      return false;
    }
    long ims = HttpDates.parse(HttpDates.first(req.headers, "if-modified-since"));
    // RFC 9111 section 4.3.2: without Last-Modified, the stored response's Date stands for it.
    long lm =
        HttpDates.parse(
            e.lastModified() != null ? e.lastModified() : HttpDates.first(e.headers(), "date"));
    return ims >= 0 && lm >= 0 && lm <= ims;
  }

  /**
   * Section 4.3.5: a 200 to a HEAD describes the stored GET response when their validators and
   * length agree (a validator on one side only, or another length, is another representation).
   */
  static boolean headMatches(StoredResponse e, List<Header> head) {
    String etag = HttpDates.first(head, "etag");
    String lm = HttpDates.first(head, "last-modified");
    String length = HttpDates.first(head, "content-length");
    return java.util.Objects.equals(etag, e.etag())
        && java.util.Objects.equals(lm, e.lastModified())
        && (length == null || length.trim().equals(Long.toString(e.bodyBytes())));
  }

  private static String weak(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }
}
