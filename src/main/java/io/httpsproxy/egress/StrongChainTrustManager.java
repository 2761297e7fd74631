package io.httpsproxy.egress;

import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * The upstream trust manager of both TLS engines: the JDK's verifying one (chain, validity, host
 * name through the engine's endpoint identification) and then {@link ChainStrength}. BoringSSL
 * calls it too: netty's OpenSSL client context hands the peer chain to the configured Java trust
 * manager, so one check covers both engines. A chain the delegate refuses for an algorithm reason
 * of its own (MD5, EC under 224 bits) is still reported with the strength reason when there is one.
 */
final class StrongChainTrustManager extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager delegate;
  // Built once: getAcceptedIssuers() copies the whole trust store on each call.
  private final Map<X500Principal, X509Certificate> roots = new HashMap<>();
  private final Set<X500Principal> rootNames;

  StrongChainTrustManager(X509ExtendedTrustManager delegate) {
    this.delegate = delegate;
    for (X509Certificate root : delegate.getAcceptedIssuers()) {
      roots.putIfAbsent(root.getSubjectX500Principal(), root);
    }
    rootNames = Set.copyOf(roots.keySet());
  }

  /** Wraps the verifying trust manager of {@code tmf}. */
  static StrongChainTrustManager of(TrustManagerFactory tmf) {
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return new StrongChainTrustManager(x);
      }
    }
    throw new IllegalStateException("no X509ExtendedTrustManager in " + tmf.getAlgorithm());
  }

  /** The JVM's trust store alone. */
  static StrongChainTrustManager jvm() throws Exception {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    return of(tmf);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      throw explained(chain, e);
    }
    check(chain, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      throw explained(chain, e);
    }
    check(chain, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, authType);
    } catch (CertificateException e) {
      throw explained(chain, e);
    }
    check(chain, null);
  }

  private void check(X509Certificate[] chain, CertificateException cause)
      throws WeakChainException {
    String why = ChainStrength.weakness(chain, anchor(chain), rootNames);
    if (why != null) {
      throw new WeakChainException(why, cause);
    }
  }

  private CertificateException explained(X509Certificate[] chain, CertificateException e) {
    try {
      check(chain, e);
    } catch (WeakChainException weak) {
      return weak;
    }
    return e;
  }

  /** The trusted root the chain ends at, when the trust store holds its issuer. */
  private X509Certificate anchor(X509Certificate[] chain) {
    if (chain == null || chain.length == 0) {
      return null;
    }
    X509Certificate last = chain[chain.length - 1];
    X509Certificate root = roots.get(last.getIssuerX500Principal());
    return root == null || root.equals(last) ? null : root;
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }
}
