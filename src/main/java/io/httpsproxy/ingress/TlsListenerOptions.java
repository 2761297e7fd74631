package io.httpsproxy.ingress;

import io.httpsproxy.config.TlsListener;
import io.httpsproxy.config.TlsMaterial;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The TLS listener's TLS: 1.2 and 1.3 only, ALPN offering http/1.1 alone (the proxy speaks HTTP/1.1
 * to clients; h2 would need its own CONNECT handling), the certificate and key from {@link
 * TlsMaterial} as values, client certificates per {@code tlsClientAuth}. Session resumption is the
 * engine's default: with BoringSSL, tickets under TLS 1.3 (lifetime hint 172800 s) and 1.2 (14400
 * s), checked with openssl s_client -sess_out / -sess_in; the ticket keys belong to one TLS
 * context, so a rotated certificate, a restart or another node means one full handshake.
 */
final class TlsListenerOptions {
  static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  private TlsListenerOptions() {}

  /** What a rotation hands to {@code HttpServer.updateSSLOptions}. */
  static ServerSSLOptions ssl(TlsListener l, TlsMaterial m, Duration handshakeTimeout) {
    ServerSSLOptions o =
        new ServerSSLOptions()
            .setKeyCertOptions(new PemKeyCertOptions().setCertValue(m.cert()).setKeyValue(m.key()))
            .setClientAuth(clientAuth(l))
            .setEnabledSecureTransportProtocols(PROTOCOLS)
            .setUseAlpn(true)
            .setSslHandshakeTimeout(handshakeTimeout.toMillis())
            .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (m.clientCa() != null && l.wantsClientCert()) {
      o.setTrustOptions(new PemTrustOptions().addCertValue(m.clientCa()));
    }
    return o;
  }

  /** {@code base} (the plain listener's options, copied) made a TLS server's. */
  static HttpServerOptions server(
      HttpServerOptions base, ServerSSLOptions ssl, SSLEngineOptions engine) {
    HttpServerOptions o =
        new HttpServerOptions(base)
            .setSsl(true)
            .setUseAlpn(true)
            .setAlpnVersions(List.of(HttpVersion.HTTP_1_1))
            .setSslEngineOptions(engine)
            .setKeyCertOptions(ssl.getKeyCertOptions())
            .setClientAuth(ssl.getClientAuth())
            .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
            .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
            .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit());
    if (ssl.getTrustOptions() != null) {
      o.setTrustOptions(ssl.getTrustOptions());
    }
    return o;
  }

  private static ClientAuth clientAuth(TlsListener l) {
    return switch (l.clientAuth()) {
      case "require" -> ClientAuth.REQUIRED;
      case "request" -> ClientAuth.REQUEST;
      default -> ClientAuth.NONE;
    };
  }
}
