package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;

/**
 * The node's own endpoints ({@code /health}, {@code /ready}, {@code /metrics}, {@code /stats},
 * {@code /dashboard}, {@code /admin/*}) on a listener of their own, as Envoy and HAProxy have it:
 * not counted against {@code maxConnections}, so an operator still reaches them when the proxy port
 * is full, and the proxy port serves proxying only. All three are read at start-up only.
 *
 * <p>On by default (issue #15): port {@value #DEFAULT_PORT}, next to the proxy's 8888 and clear of
 * Prometheus (9090), Grafana (3000) and Envoy's admin (9901) that may share the host; the proxy
 * port answers 404 for these paths unless {@code adminOnProxyPort} is set, which deployments that
 * scrape or probe the proxy port can keep while they move.
 *
 * @param port the admin port; -1 = no admin listener, 0 = pick a free one (several nodes on one
 *     machine need one each)
 * @param host the address it binds: loopback by default, since it is not for clients
 * @param onProxyPort whether the proxy port serves them too (deployments that scrape it there)
 */
public record AdminListener(int port, String host, boolean onProxyPort) {
  public static final int DEFAULT_PORT = 8889;
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final boolean DEFAULT_ON_PROXY_PORT = false;

  public AdminListener {
    ConfigChecks.checkRange("adminPort", port, -1, 65_535);
    host = host == null || host.isBlank() ? DEFAULT_HOST : host.trim();
    if (port < 0 && !onProxyPort) {
      throw new ConfigException(
          "adminOnProxyPort is false but adminPort is -1: the node's /health, /ready and /metrics"
              + " would be served nowhere (set adminPort)");
    }
  }

  public boolean enabled() {
    return port >= 0;
  }

  static AdminListener fromJson(JsonObject j) {
    return new AdminListener(
        JsonFields.integer(j, "adminPort", DEFAULT_PORT),
        JsonFields.string(j, "adminHost", DEFAULT_HOST),
        JsonFields.bool(j, "adminOnProxyPort", DEFAULT_ON_PROXY_PORT));
  }

  void putInto(JsonObject j) {
    j.put("adminPort", port).put("adminHost", host).put("adminOnProxyPort", onProxyPort);
  }
}
