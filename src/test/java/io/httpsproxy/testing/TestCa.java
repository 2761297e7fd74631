package io.httpsproxy.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made for one test run: PEM files in a temp directory, nothing committed.
 * Issues server certificates, including broken ones (expired, wrong host) for TLS failure tests.
 */
public final class TestCa {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final KeyPair caKey;
  private final X500Name caName;
  private final X509CertificateHolder caCert;
  private final Path caPem;

  /** A server's certificate chain and key as PEM files. */
  public record ServerCert(Path certPem, Path keyPem) {}

  private TestCa(Path dir, String name) throws Exception {
    this.dir = dir;
    this.caKey = newKey();
    this.caName = new X500Name("CN=" + name);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            caName,
            serial(),
            Date.from(now.minus(Duration.ofDays(1))),
            Date.from(now.plus(Duration.ofDays(30))),
            caName,
            caKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.caCert = b.build(signer(caKey));
    this.caPem = write(name + "-ca.pem", caCert);
  }

  public static TestCa create(String name) throws Exception {
    return new TestCa(Files.createTempDirectory("https-proxy-ca"), name);
  }

  /** The CA certificate, to give the proxy as its extra trusted CA. */
  public Path caPem() {
    return caPem;
  }

  /** A valid certificate for localhost and 127.0.0.1. */
  public ServerCert issue(String cn) throws Exception {
    return issue(
        cn,
        List.of("localhost"),
        List.of("127.0.0.1"),
        Instant.now().minus(Duration.ofDays(1)),
        Instant.now().plus(Duration.ofDays(7)));
  }

  public ServerCert issue(
      String cn, List<String> dnsNames, List<String> ips, Instant notBefore, Instant notAfter)
      throws Exception {
    KeyPair key = newKey();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            caName,
            serial(),
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name("CN=" + cn),
            key.getPublic());
    List<GeneralName> names = new ArrayList<>();
    dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
    ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(names.toArray(GeneralName[]::new)));
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    X509CertificateHolder cert = b.build(signer(caKey));
    String base = cn + "-" + serial();
    return new ServerCert(
        write(base + ".pem", cert),
        write(base + "-key.pem", new JcaPKCS8Generator(key.getPrivate(), null)));
  }

  private Path write(String file, Object pemObject) throws IOException {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(pemObject);
    }
    Path p = dir.resolve(file);
    Files.writeString(p, sw.toString());
    return p;
  }

  private static KeyPair newKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static ContentSigner signer(KeyPair key) throws Exception {
    return new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
  }

  private static BigInteger serial() {
    return new BigInteger(63, RANDOM);
  }
}
