package io.httpsproxy.egress;

import io.vertx.core.net.TrustOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Upstream trust: the JVM's own CAs plus, optionally, the CAs of one PEM file. Vert.x replaces the
 * JVM trust store when given PEM trust options, so both are merged into one key store here.
 */
final class TrustStores {
  private TrustStores() {}

  /**
   * What both TLS engines verify upstream chains with: the JVM's CAs plus {@code caFile} (null for
   * none), under the {@link ChainStrength} floor.
   */
  static TrustOptions upstream(String caFile) throws Exception {
    StrongChainTrustManager tm =
        caFile == null
            ? StrongChainTrustManager.jvm()
            : StrongChainTrustManager.of(jvmPlus(caFile));
    return TrustOptions.wrap(tm);
  }

  static TrustManagerFactory jvmPlus(String pemFile) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (X509Certificate ca : jvmDefaultIssuers()) {
      ks.setCertificateEntry("jvm-" + i++, ca);
    }
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    try (InputStream in = Files.newInputStream(Path.of(pemFile))) {
      for (Certificate c : cf.generateCertificates(in)) {
        ks.setCertificateEntry("extra-" + i++, c);
      }
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return tmf;
  }

  private static X509Certificate[] jvmDefaultIssuers() throws Exception {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    for (var tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x509) {
        return x509.getAcceptedIssuers();
      }
    }
    return new X509Certificate[0];
  }
}
