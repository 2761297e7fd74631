package io.httpsproxy.security;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A parsed absolute http(s) target. Parsing rejects with 400 what no upstream should receive: other
 * schemes, a missing host, userinfo (credentials in the URL), bad ports, CR/LF and spaces.
 *
 * @param https true for https://
 * @param host host name or IP literal, lower case, IPv6 without brackets
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
    if (host == null || host.isEmpty()) {
      throw bad("url has no valid host");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean https = scheme.equals("https");
    int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
    if (port < 1 || port > 65535) {
      throw bad("url port must be 1-65535");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery();
    return new Target(
        https, host.toLowerCase(Locale.ROOT), port, query == null ? path : path + "?" + query);
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

  private static ProxyException bad(String message) {
    return new ProxyException(FailureCode.BAD_REQUEST, message);
  }
}
