package io.httpsproxy.security;

import io.httpsproxy.protocol.Header;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Removes hop-by-hop headers (RFC 9110 section 7.6.1) and every header the Connection header names,
 * in both directions. Also drops what the proxy regenerates itself (Host, Content-Length, Expect),
 * since it sends a complete body of known length.
 */
public final class HeaderHygiene {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");

  private static final Set<String> REGENERATED_ON_REQUEST =
      Set.of("host", "content-length", "expect");

  /**
   * The name the proxy gives itself in {@code Via} (RFC 9110 section 7.6.3 allows a pseudonym): the
   * same on every node, so that no host name leaks and a request that comes back through any node
   * of the cluster is recognised as a loop.
   */
  public static final String VIA_PSEUDONYM = "https-proxy";

  public static final Header VIA = new Header("Via", "1.1 " + VIA_PSEUDONYM);

  private HeaderHygiene() {}

  /** True when a {@code Via} entry names this proxy: the request has been here before. */
  public static boolean hasLooped(MultiMap headers) {
    for (String value : headers.getAll("via")) {
      for (String entry : value.split(",")) {
        String[] parts = entry.trim().split("[ \\t]+");
        if (parts.length >= 2 && parts[1].equalsIgnoreCase(VIA_PSEUDONYM)) {
          return true;
        }
      }
    }
    return false;
  }

  /** End-to-end headers of a client request, ready to send upstream. */
  public static List<Header> forUpstream(MultiMap headers) {
    return filter(headers, REGENERATED_ON_REQUEST);
  }

  /** End-to-end headers of an upstream response, ready to send to the client. */
  public static List<Header> forClient(MultiMap headers) {
    return filter(headers, Set.of());
  }

  /** Headers given by a JSON API caller: same rules as a proxied request. */
  public static List<Header> forUpstream(List<Header> headers) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    headers.forEach(h -> m.add(h.name(), h.value()));
    return forUpstream(m);
  }

  private static List<Header> filter(MultiMap headers, Set<String> alsoDrop) {
    Set<String> named = connectionTokens(headers);
    List<Header> out = new ArrayList<>(headers.size());
    for (Map.Entry<String, String> e : headers) {
      String lower = e.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(lower) || named.contains(lower) || alsoDrop.contains(lower)) {
        continue;
      }
      out.add(new Header(e.getKey(), e.getValue()));
    }
    return out;
  }

  private static Set<String> connectionTokens(MultiMap headers) {
    Set<String> tokens = new HashSet<>();
    for (String value : headers.getAll("connection")) {
      for (String t : value.split(",")) {
        String token = t.trim().toLowerCase(Locale.ROOT);
        if (!token.isEmpty()) {
          tokens.add(token);
        }
      }
    }
    return tokens;
  }

  /**
   * RFC 9112 section 3.2: an HTTP/1.1 request must carry exactly one Host header. Null when it
   * does, else what is wrong (the caller answers 400). For an absolute-form request the target, not
   * Host, decides where it goes; Host is regenerated upstream.
   */
  public static String hostProblem(MultiMap headers, boolean http11) {
    int hosts = headers.getAll("host").size();
    if (hosts > 1) {
      return "more than one Host header";
    }
    if (hosts == 0 && http11) {
      return "an HTTP/1.1 request needs a Host header";
    }
    return null;
  }
}
