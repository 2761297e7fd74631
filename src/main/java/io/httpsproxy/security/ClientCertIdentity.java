package io.httpsproxy.security;

import io.vertx.core.http.HttpConnection;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The user a verified client certificate names: its first SAN URI (a SPIFFE id, say), else its
 * first SAN DNS name, else its subject CN; as Smokescreen and Envoy's RBAC read them. Only verified
 * certificates get here: the TLS listener refuses in the handshake any that does not chain to
 * {@code tlsClientCaFile}. The name is worked out once per TLS session and kept on it.
 */
public final class ClientCertIdentity {
  private static final String KEY = "io.httpsproxy.client-identity";
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private ClientCertIdentity() {}

  /** The identity of the connection's client certificate; null without TLS or a certificate. */
  public static String of(HttpConnection conn) {
    if (conn == null || !conn.isSsl()) {
      return null;
    }
    SSLSession session = conn.sslSession();
    if (session == null) {
      return null;
    }
    Object known = session.getValue(KEY);
    if (known instanceof String s) {
      return s.isEmpty() ? null : s;
    }
    String id = "";
    try {
      List<Certificate> chain = conn.peerCertificates();
      if (!chain.isEmpty() && chain.get(0) instanceof X509Certificate leaf) {
        id = nameOf(leaf);
      }
    } catch (SSLPeerUnverifiedException e) {
      id = ""; // no certificate sent (tlsClientAuth request, or none)
    }
    session.putValue(KEY, id);
    return id.isEmpty() ? null : id;
  }

  /** SAN URI, else SAN DNS, else CN; "" when the certificate names nothing. */
  public static String nameOf(X509Certificate cert) {
    String dns = null;
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          int type = (Integer) san.get(0);
          if (type == SAN_URI) {
            return String.valueOf(san.get(1));
          }
          if (type == SAN_DNS && dns == null) {
            dns = String.valueOf(san.get(1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // a SAN extension that does not parse names nobody: fall back to the CN
    }
    if (dns != null) {
      return dns;
    }
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return String.valueOf(rdn.getValue());
        }
      }
    } catch (InvalidNameException e) {
      return "";
    }
    return "";
  }
}
