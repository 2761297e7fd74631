package io.httpsproxy.egress;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.DSAPublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Locale;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * The strength floor of an upstream certificate chain, the same on both TLS engines: RSA and DSA
 * keys of at least 2048 bits, EC keys of at least 256 bits, and no signature made with SHA-1 or
 * MD5. The JDK's own {@code jdk.certpath.disabledAlgorithms} refuses SHA-1 only for chains that end
 * at a JDK-bundled root and RSA only under 1024 bits, so a private CA's weak chain passed both
 * engines.
 *
 * <p>Every key in the chain counts (the trusted root's too: it signs what follows). The one
 * signature that does not is the self-signature of a trusted root: trust in a root comes from the
 * trust store, not from that signature, which is why SHA-1 self-signed roots are still acceptable
 * (CA/Browser Forum Baseline Requirements, section 7.1.3.2).
 */
final class ChainStrength {
  static final int MIN_RSA_BITS = 2048;
  static final int MIN_EC_BITS = 256;

  private ChainStrength() {}

  /**
   * Why the chain is too weak, or null when it is strong enough.
   *
   * @param chain the chain as presented, leaf first
   * @param anchor the trusted root the chain ends at (not always presented), or null
   * @param trustedRoots subjects of the trusted roots, whose self-signatures are not checked
   */
  static String weakness(
      X509Certificate[] chain, X509Certificate anchor, Set<X500Principal> trustedRoots) {
    for (X509Certificate cert : chain) {
      String why = weakness(cert, trustedRoots);
      if (why != null) {
        return why;
      }
    }
    return anchor == null ? null : keyWeakness(anchor);
  }

  private static String weakness(X509Certificate cert, Set<X500Principal> trustedRoots) {
    String why = keyWeakness(cert);
    if (why != null) {
      return why;
    }
    boolean trustedRoot =
        cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal())
            && trustedRoots.contains(cert.getSubjectX500Principal());
    if (trustedRoot) {
      return null;
    }
    String alg = cert.getSigAlgName();
    String upper = alg == null ? "" : alg.toUpperCase(Locale.ROOT);
    if (upper.startsWith("SHA1") || upper.startsWith("SHA-1") || upper.startsWith("MD5")) {
      return "upstream certificate "
          + name(cert)
          + " is signed with "
          + alg
          + "; SHA-1 and MD5 signatures are refused";
    }
    return null;
  }

  private static String keyWeakness(X509Certificate cert) {
    PublicKey key = cert.getPublicKey();
    int bits;
    int min;
    String kind;
    if (key instanceof RSAPublicKey rsa) {
      bits = rsa.getModulus().bitLength();
      min = MIN_RSA_BITS;
      kind = "RSA";
    } else if (key instanceof DSAPublicKey dsa && dsa.getParams() != null) {
      bits = dsa.getParams().getP().bitLength();
      min = MIN_RSA_BITS;
      kind = "DSA";
    } else if (key instanceof ECPublicKey ec) {
      bits = ec.getParams().getOrder().bitLength();
      min = MIN_EC_BITS;
      kind = "EC";
    } else {
      return null; // Ed25519, Ed448: fixed strength above the floor
    }
    if (bits >= min) {
      return null;
    }
    return "upstream certificate "
        + name(cert)
        + " has a "
        + bits
        + "-bit "
        + kind
        + " key; "
        + min
        + " is the minimum";
  }

  private static String name(X509Certificate cert) {
    String dn = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
    return dn.length() > 80 ? dn.substring(0, 80) + "..." : dn;
  }
}
