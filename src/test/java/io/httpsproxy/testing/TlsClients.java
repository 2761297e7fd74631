package io.httpsproxy.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** JDK TLS sockets to the proxy's TLS listener, trusting only a test CA. */
public final class TlsClients {
  private TlsClients() {}

  public static SSLContext trusting(Path caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca" + i++, c);
      }
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** A handshaken socket to 127.0.0.1:{@code port}, offering {@code alpn} (may be empty). */
  public static SSLSocket connect(SSLContext ctx, int port, String... alpn) throws Exception {
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    SSLParameters p = s.getSSLParameters();
    if (alpn.length > 0) {
      p.setApplicationProtocols(alpn);
    }
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  /** The serial of the certificate the server presented on {@code s}. */
  public static java.math.BigInteger serverSerial(SSLSocket s) throws Exception {
    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
  }
}
