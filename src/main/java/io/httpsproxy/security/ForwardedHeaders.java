package io.httpsproxy.security;

import io.httpsproxy.protocol.Header;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the upstream learns of the client through {@code Forwarded} (RFC 7239) and the {@code
 * X-Forwarded-*} family: the {@code forwardedHeaders} setting, applied here for every kind of
 * request (absolute-form and the JSON API; CONNECT carries no headers upstream).
 *
 * <ul>
 *   <li>{@code strip} (default, the egress-proxy norm): every header of the family is removed and
 *       none is added, so neither internal addresses nor a client's forged claims leave the
 *       network.
 *   <li>{@code append}: the client's {@code X-Forwarded-For} and {@code Forwarded} are kept and the
 *       address the proxy saw is appended to each (one line each); the rest of the family passes.
 *   <li>{@code replace}: the family is removed and {@code X-Forwarded-For: addr} and {@code
 *       Forwarded: for=addr} are set from the address the proxy saw (Squid's "truncate").
 *   <li>{@code pass}: everything as the client sent it, nothing added.
 * </ul>
 */
public final class ForwardedHeaders {
  public enum Policy {
    STRIP,
    APPEND,
    REPLACE,
    PASS;

    public static final List<String> NAMES = List.of("strip", "append", "replace", "pass");

    public static Policy of(String name) {
      return valueOf(name.toUpperCase(Locale.ROOT));
    }
  }

  /** The family, lower case: what a backend may read as "who the client is". */
  static final Set<String> FAMILY =
      Set.of(
          "forwarded",
          "x-forwarded-for",
          "x-forwarded-host",
          "x-forwarded-proto",
          "x-forwarded-port",
          "x-real-ip");

  private static final String XFF = "X-Forwarded-For";
  private static final String FORWARDED = "Forwarded";

  private ForwardedHeaders() {}

  /**
   * The headers to send upstream under {@code policy}; {@code client} is the address the proxy saw
   * (null when unknown). The list is returned as it is when nothing changes: the common case costs
   * one pass over the names and no copy.
   */
  public static List<Header> apply(Policy policy, List<Header> headers, String client) {
    if (policy == Policy.PASS || (policy == Policy.STRIP && !hasFamily(headers))) {
      return headers;
    }
    List<Header> out = new ArrayList<>(headers.size() + 2);
    StringBuilder xff = null;
    StringBuilder fwd = null;
    for (Header h : headers) {
      String lower = h.name().toLowerCase(Locale.ROOT);
      if (!FAMILY.contains(lower)) {
        out.add(h);
      } else if (policy == Policy.APPEND && lower.equals("x-forwarded-for")) {
        xff = join(xff, h.value());
      } else if (policy == Policy.APPEND && lower.equals("forwarded")) {
        fwd = join(fwd, h.value());
      } else if (policy == Policy.APPEND) {
        out.add(h);
      }
    }
    if (policy == Policy.STRIP) {
      return out;
    }
    String addr = client == null || client.isEmpty() ? "unknown" : client;
    out.add(new Header(XFF, join(xff, addr).toString()));
    out.add(new Header(FORWARDED, join(fwd, "for=" + node(addr)).toString()));
    return out;
  }

  private static boolean hasFamily(List<Header> headers) {
    for (Header h : headers) {
      String n = h.name();
      // Every member starts with 'x-' or 'f': skip the rest without lower-casing them.
      char c = n.isEmpty() ? ' ' : n.charAt(0);
      if ((c == 'x' || c == 'X' || c == 'f' || c == 'F')
          && FAMILY.contains(n.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  private static StringBuilder join(StringBuilder list, String element) {
    String e = element.trim();
    if (list == null || list.isEmpty()) {
      return new StringBuilder(e);
    }
    return e.isEmpty() ? list : list.append(", ").append(e);
  }

  /** RFC 7239 section 6: an IPv6 node is quoted and bracketed; "unknown" is a token. */
  static String node(String addr) {
    return addr.indexOf(':') >= 0 ? "\"[" + addr + "]\"" : addr;
  }
}
