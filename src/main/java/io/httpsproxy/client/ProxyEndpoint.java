package io.httpsproxy.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Which proxy the client talks to: the {@code server} and {@code port} arguments when given, else
 * the proxy variable other clients read for the target's scheme ({@code https_proxy} / {@code
 * HTTPS_PROXY} for https:// targets, {@code http_proxy} for http://; like curl, not the upper-case
 * {@code HTTP_PROXY}, which CGI servers set from a request header), else 127.0.0.1:8888.
 *
 * @param credentials {@code user:password} from the variable's URL, or null
 * @param tls true when the variable names an https:// proxy (the proxy's TLS listener)
 */
record ProxyEndpoint(String host, int port, String credentials, boolean tls) {
  static final String DEFAULT_HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 8888;

  static ProxyEndpoint resolve(String server, Integer port, String url, Map<String, String> env) {
    if (server != null) {
      return new ProxyEndpoint(server, port == null ? DEFAULT_PORT : port, null, false);
    }
    boolean https = url.toLowerCase(Locale.ROOT).startsWith("https://");
    String[] names =
        https ? new String[] {"https_proxy", "HTTPS_PROXY"} : new String[] {"http_proxy"};
    for (String name : names) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        return fromVariable(name, value.trim());
      }
    }
    return new ProxyEndpoint(DEFAULT_HOST, DEFAULT_PORT, null, false);
  }

  private static ProxyEndpoint fromVariable(String name, String value) {
    String withScheme = value.contains("://") ? value : "http://" + value;
    URI uri;
    try {
      uri = new URI(withScheme);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a proxy URL (expected http://host:port)");
    }
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    if (!tls && !"http".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException(
          name
              + " names a "
              + uri.getScheme()
              + ":// proxy; this client speaks http:// or https:// to the proxy");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(name + " has no host (expected http://host:port)");
    }
    String credentials =
        uri.getRawUserInfo() == null
            ? null
            : URLDecoder.decode(uri.getRawUserInfo().replace("+", "%2B"), StandardCharsets.UTF_8);
    String host =
        uri.getHost().startsWith("[")
            ? uri.getHost().substring(1, uri.getHost().length() - 1)
            : uri.getHost();
    return new ProxyEndpoint(
        host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), credentials, tls);
  }
}
