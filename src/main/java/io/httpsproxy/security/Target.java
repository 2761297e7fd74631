package io.httpsproxy.security;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A parsed absolute http(s) target. Parsing rejects with 400 what no upstream should receive: other
 * schemes, a missing host, userinfo (credentials in the URL), bad ports, CR/LF and spaces. The host
 * comes out canonical ({@link Hosts#canonical}), so every later check sees the name the resolver
 * will see.
 *
 * @param https true for https://
 * @param host canonical host name or IP literal, IPv6 without brackets
 * @param port explicit or default port
 * @param pathAndQuery origin-form request target, at least "/"
 */
public record Target(boolean https, String host, int port, String pathAndQuery) {

  public static Target parse(String url) {
    if (url == null || url.isEmpty()) {
      throw bad("url is missing");
    }
    for (int i = 0; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        throw bad("url contains a control character or space at index " + i);
      }
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw bad("url is not a valid URI: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw bad("url scheme must be http or https, got '" + scheme + "'");
    }
    if (uri.getRawUserInfo() != null) {
      throw bad("url must not contain userinfo (user@host)");
    }
    String host = uri.getHost();
    int port = uri.getPort();
    if (host == null) {
      // java.net.URI leaves non-ASCII (IDNA) and some numeric hosts as a "registry" authority.
      String authority = uri.getRawAuthority();
      if (authority == null || authority.isEmpty()) {
        throw bad("url has no valid host");
      }
      if (authority.indexOf('@') >= 0) {
        throw bad("url must not contain userinfo (user@host)");
      }
      if (authority.indexOf('%') >= 0 || authority.indexOf('[') >= 0) {
        throw bad("url has no valid host");
      }
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      port = colon < 0 ? -1 : parsePort(authority.substring(colon + 1));
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean https = scheme.equals("https");
    port = port == -1 ? (https ? 443 : 80) : port;
    if (port < 1 || port > 65535) {
      throw bad("url port must be 1-65535");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery();
    return new Target(
        https, Hosts.canonical(host), port, query == null ? path : path + "?" + query);
  }

  /**
   * The authority of {@code CONNECT host:port}. A missing or invalid port is a bad request (400);
   * whether the port is allowed is the caller's decision.
   */
  public static Target parseAuthority(String authority) {
    if (authority == null || authority.isEmpty()) {
      throw bad("CONNECT needs host:port");
    }
    for (int i = 0; i < authority.length(); i++) {
      char c = authority.charAt(i);
      if (c <= 0x20 || c == 0x7f || c == '/' || c == '@' || c == '%' || c == '?' || c == '#') {
        throw bad("CONNECT target must be host:port");
      }
    }
    int colon = authority.lastIndexOf(':');
    int close = authority.lastIndexOf(']');
    if (colon < 0 || colon < close) {
      throw bad("CONNECT target must be host:port (port missing)");
    }
    String host = authority.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw bad("CONNECT target: an IPv6 host needs brackets");
    }
    int port = parsePort(authority.substring(colon + 1));
    if (port < 1 || port > 65535) {
      throw bad("CONNECT port must be 1-65535");
    }
    return new Target(true, Hosts.canonical(host), port, "/");
  }

  private static int parsePort(String digits) {
    if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(digits);
  }

  /** The URL sent upstream: normalised scheme and host, explicit port. */
  public String toUrl() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return (https ? "https://" : "http://") + h + ":" + port + pathAndQuery;
  }

  public static boolean isAbsoluteHttpUrl(String uri) {
    return uri.regionMatches(true, 0, "http://", 0, 7)
        || uri.regionMatches(true, 0, "https://", 0, 8);
  }

  /**
   * The scheme of an absolute-form target that is not http or https ({@code ftp://...}), else null:
   * such a request is for a proxy of another protocol, never one of the proxy's own routes.
   */
  public static String otherScheme(String uri) {
    int colon = uri.indexOf("://");
    if (colon <= 0 || isAbsoluteHttpUrl(uri)) {
      return null;
    }
    for (int i = 0; i < colon; i++) {
      char c = uri.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
      if (!ok) {
        return null; // not a scheme (RFC 3986 section 3.1): an origin-form path
      }
    }
    return uri.substring(0, colon);
  }

  private static ProxyException bad(String message) {
    return new ProxyException(FailureCode.BAD_REQUEST, message);
  }
}
