package io.httpsproxy.egress;

import io.httpsproxy.config.ProxyConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.OpenSSLEngineOptions;

/**
 * Which socket transport and which upstream TLS implementation a node really runs with. The
 * settings ({@code nativeTransport}, {@code tlsEngine}) ask; the platform decides: the jar bundles
 * epoll for Linux x86-64 and BoringSSL for Linux x86-64 and aarch64; elsewhere the node falls back
 * to Java NIO and the JDK's TLS and says so at start-up. Both are chosen once, at start-up.
 *
 * @param transport {@code epoll} or {@code nio}
 * @param tls {@code openssl} or {@code jdk}
 * @param fallback why a setting could not be honoured, or null
 */
public record Engines(String transport, String tls, String fallback) {

  /** What the node runs with, given the settings and the Vert.x instance built from them. */
  public static Engines of(ProxyConfig config, Vertx vertx) {
    StringBuilder fallback = new StringBuilder();
    String transport = vertx.isNativeTransportEnabled() ? "epoll" : "nio";
    if (config.nativeTransport() && !vertx.isNativeTransportEnabled()) {
      Throwable cause = vertx.unavailableNativeTransportCause();
      fallback.append("nativeTransport: epoll unavailable (").append(cause).append("), using NIO");
    }
    String tls = config.tlsEngine();
    if (tls.equals("openssl") && !OpenSSLEngineOptions.isAvailable()) {
      tls = "jdk";
      if (!fallback.isEmpty()) {
        fallback.append("; ");
      }
      fallback
          .append("tlsEngine: OpenSSL unavailable (")
          .append(io.netty.handler.ssl.OpenSsl.unavailabilityCause())
          .append("), using the JDK's TLS");
    }
    return new Engines(transport, tls, fallback.isEmpty() ? null : fallback.toString());
  }

  /** Sets the upstream client's TLS implementation. */
  void applyTo(HttpClientOptions options) {
    if (tls.equals("openssl")) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("transport", transport).put("tls", tls);
  }

  @Override
  public String toString() {
    return "transport " + transport + ", upstream TLS " + tls;
  }
}
