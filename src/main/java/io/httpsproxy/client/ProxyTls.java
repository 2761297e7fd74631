package io.httpsproxy.client;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the client reaches the proxy: plain, or TLS to the proxy's TLS listener ({@code --proxy-tls},
 * implied by {@code --proxy-ca}, {@code --proxy-cert} or an https:// proxy variable), verifying the
 * proxy's certificate and name against {@code --proxy-ca} (else the JVM's CAs), and presenting
 * {@code --proxy-cert}/{@code --proxy-key} when given.
 */
record ProxyTls(boolean on, Path ca, Path cert, Path key) {
  static final ProxyTls OFF = new ProxyTls(false, null, null, null);

  ProxyTls {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("--proxy-cert and --proxy-key go together");
    }
    for (Path p : new Path[] {ca, cert, key}) {
      if (p != null && !Files.isReadable(p)) {
        throw new IllegalArgumentException(p + ": not a readable file");
      }
    }
  }

  HttpClientOptions clientOptions() {
    HttpClientOptions o = new HttpClientOptions();
    if (!on) {
      return o;
    }
    o.setSsl(true).setVerifyHost(true).setForceSni(true);
    if (ca != null) {
      o.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()));
    }
    if (cert != null) {
      o.setKeyCertOptions(
          new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()));
    }
    return o;
  }
}
