package io.httpsproxy.config;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.impl.KeyStoreHelper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The TLS listener's files as read at one moment, checked together: each file readable and PEM of
 * the right kind, the key the certificate's own, the certificate valid now. The bytes are handed to
 * Vert.x as values, so what was checked is what serves, and the key is parsed by Vert.x's own PEM
 * reader ({@link KeyStoreHelper}), so a key accepted here is one the listener can load.
 *
 * @param cert the certificate chain file's bytes
 * @param key the private key file's bytes
 * @param clientCa the client CA file's bytes, or null when none is configured
 * @param digests SHA-256 of each file, in the order cert, key, client CA ("" when absent)
 * @param serial the leaf certificate's serial number
 * @param notAfter the leaf certificate's expiry
 */
public record TlsMaterial(
    Buffer cert,
    Buffer key,
    Buffer clientCa,
    List<String> digests,
    BigInteger serial,
    java.util.Date notAfter) {
  private static final List<String> KEYS = List.of("tlsCertFile", "tlsKeyFile", "tlsClientCaFile");

  public static TlsMaterial read(TlsListener l) {
    byte[] cert = readPem("tlsCertFile", l.certFile(), "CERTIFICATE");
    byte[] key = readPem("tlsKeyFile", l.keyFile(), "PRIVATE KEY");
    X509Certificate leaf = certificates("tlsCertFile", l.certFile(), cert).get(0);
    checkValidity(l.certFile(), leaf);
    PrivateKey privateKey = privateKey(l, key, cert);
    checkPair(l, leaf, privateKey);
    byte[] ca = null;
    if (!l.clientCaFile().isEmpty()) {
      ca = readPem("tlsClientCaFile", l.clientCaFile(), "CERTIFICATE");
      certificates("tlsClientCaFile", l.clientCaFile(), ca);
    }
    return new TlsMaterial(
        Buffer.buffer(cert),
        Buffer.buffer(key),
        ca == null ? null : Buffer.buffer(ca),
        List.of(sha256(cert), sha256(key), ca == null ? "" : sha256(ca)),
        leaf.getSerialNumber(),
        leaf.getNotAfter());
  }

  /** The settings whose file's content differs from {@code other}'s (all of them if null). */
  public List<String> changedFrom(TlsMaterial other) {
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < KEYS.size(); i++) {
      if (other == null || !digests.get(i).equals(other.digests.get(i))) {
        changed.add(KEYS.get(i));
      }
    }
    return changed;
  }

  /** The leaf's serial as hex, as {@code openssl x509 -serial} prints it. */
  public String serialHex() {
    return serial.toString(16).toUpperCase(java.util.Locale.ROOT);
  }

  /** The file's bytes; it must be readable and hold a PEM block labelled {@code ...wanted}. */
  private static byte[] readPem(String setting, String file, String wanted) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw ConfigException.invalid(setting, file, "a readable PEM file; " + reason(e));
    }
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    boolean cert = text.contains("-----BEGIN CERTIFICATE-----");
    boolean key = text.matches("(?s).*-----BEGIN (RSA |EC )?PRIVATE KEY-----.*");
    if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw ConfigException.invalid(
          setting,
          file,
          "an unencrypted private key; this one is encrypted (openssl pkey -in ...)");
    }
    if (!text.contains("-----BEGIN ")) {
      throw ConfigException.invalid(setting, file, "a PEM file; this one has no -----BEGIN block");
    }
    boolean wantsCert = wanted.equals("CERTIFICATE");
    if (wantsCert && !cert) {
      throw ConfigException.invalid(
          setting,
          file,
          "PEM CERTIFICATE blocks"
              + (key
                  ? "; this file holds a private key (tlsCertFile and tlsKeyFile swapped?)"
                  : ""));
    }
    if (!wantsCert && !key) {
      throw ConfigException.invalid(
          setting,
          file,
          "a PEM PRIVATE KEY block"
              + (cert
                  ? "; this file holds certificates (tlsCertFile and tlsKeyFile swapped?)"
                  : ""));
    }
    return bytes;
  }

  private static List<X509Certificate> certificates(String setting, String file, byte[] pem) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      for (var c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw ConfigException.invalid(
          setting, file, "PEM certificates that parse; " + reason(e) + " (truncated?)");
    }
    if (out.isEmpty()) {
      throw ConfigException.invalid(setting, file, "at least one PEM CERTIFICATE");
    }
    return out;
  }

  private static void checkValidity(String file, X509Certificate leaf) {
    try {
      leaf.checkValidity();
    } catch (CertificateExpiredException e) {
      throw ConfigException.invalid(
          "tlsCertFile", file, "a certificate valid now; it expired " + leaf.getNotAfter());
    } catch (CertificateNotYetValidException e) {
      throw ConfigException.invalid(
          "tlsCertFile", file, "a certificate valid now; it is valid from " + leaf.getNotBefore());
    }
  }

  private static PrivateKey privateKey(TlsListener l, byte[] key, byte[] cert) {
    try {
      KeyStore ks =
          KeyStoreHelper.loadKeyCert(List.of(Buffer.buffer(key)), List.of(Buffer.buffer(cert)));
      String alias = ks.aliases().nextElement();
      return (PrivateKey) ks.getKey(alias, KeyStoreHelper.DUMMY_PASSWORD.toCharArray());
    } catch (Exception e) {
      throw ConfigException.invalid(
          "tlsKeyFile", l.keyFile(), "an RSA or EC private key that parses; " + reason(e));
    }
  }

  /** Signs with the key and verifies with the certificate: the one check valid for every type. */
  private static void checkPair(TlsListener l, X509Certificate leaf, PrivateKey key) {
    boolean ok;
    try {
      String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] signed = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(leaf.getPublicKey());
      v.update(probe);
      ok = v.verify(signed);
    } catch (GeneralSecurityException | RuntimeException e) {
      ok = false;
    }
    if (!ok) {
      throw ConfigException.invalid(
          "tlsKeyFile",
          l.keyFile(),
          "the private key of the certificate in tlsCertFile '"
              + l.certFile()
              + "'; it does not match that certificate");
    }
  }

  private static String reason(Throwable e) {
    String m = e.getMessage();
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replace('\n', ' ');
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
