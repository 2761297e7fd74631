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

  /** A key type and size: {@code EC} (curve by bits: 256, 384, 521) or {@code RSA}. */
  public record KeySpec(String algorithm, int bits) {
    public static final KeySpec EC_256 = new KeySpec("EC", 256);
    public static final KeySpec RSA_2048 = new KeySpec("RSA", 2048);
    public static final KeySpec RSA_1024 = new KeySpec("RSA", 1024);

    /** The signature algorithm this key signs with over {@code hash} ("SHA256", "SHA1"). */
    String signatureWith(String hash) {
      return hash + "with" + (algorithm.equals("EC") ? "ECDSA" : algorithm);
    }
  }

  private final Path dir;
  private final KeyPair caKey;
  private final KeySpec caSpec;
  private final X500Name caName;
  private final X509CertificateHolder caCert;
  private final Path caPem;
  // The certificates between an issued leaf and the root (intermediates), nearest first.
  private final List<X509CertificateHolder> above;
  private final Path rootPem;

  /** A server's certificate chain and key as PEM files. */
  public record ServerCert(Path certPem, Path keyPem) {}

  private TestCa(Path dir, String name) throws Exception {
    this(dir, name, KeySpec.EC_256, null, "SHA256");
  }

  /** A root ({@code parent} null, self-signed with {@code hash}) or an intermediate of parent. */
  private TestCa(Path dir, String name, KeySpec spec, TestCa parent, String hash) throws Exception {
    this.dir = dir;
    this.caSpec = spec;
    this.caKey = newKey(spec);
    this.caName = new X500Name("CN=" + name);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            parent == null ? caName : parent.caName,
            serial(),
            Date.from(now.minus(Duration.ofDays(1))),
            Date.from(now.plus(Duration.ofDays(30))),
            caName,
            caKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.caCert =
        parent == null
            ? b.build(signer(caKey, spec.signatureWith(hash)))
            : b.build(signer(parent.caKey, parent.caSpec.signatureWith(hash)));
    this.caPem = write(name + "-ca.pem", caCert);
    this.above = new ArrayList<>();
    if (parent != null) {
      above.add(caCert);
      above.addAll(parent.above);
    }
    this.rootPem = parent == null ? caPem : parent.rootPem;
  }

  public static TestCa create(String name) throws Exception {
    return new TestCa(Files.createTempDirectory("https-proxy-ca"), name);
  }

  /** A root CA with a key of {@code spec}, self-signed over {@code hash} ("SHA256", "SHA1"). */
  public static TestCa create(String name, KeySpec spec, String hash) throws Exception {
    return new TestCa(Files.createTempDirectory("https-proxy-ca"), name, spec, null, hash);
  }

  /**
   * An intermediate CA with a key of {@code spec}, signed by this CA over {@code hash}; the leaves
   * it issues carry it in their chain file, and {@link #caPem()} stays this chain's root.
   */
  public TestCa intermediate(String name, KeySpec spec, String hash) throws Exception {
    return new TestCa(dir, name, spec, this, hash);
  }

  /** The root CA certificate, to give the proxy as its extra trusted CA. */
  public Path caPem() {
    return rootPem;
  }

  /**
   * A certificate for localhost and 127.0.0.1 with a key of {@code spec}, signed by this CA over
   * {@code hash}: the weak-chain variants.
   */
  public ServerCert issue(String cn, KeySpec spec, String hash) throws Exception {
    Instant now = Instant.now();
    return issue(
        cn,
        List.of("localhost"),
        List.of("127.0.0.1"),
        now.minus(Duration.ofDays(1)),
        now.plus(Duration.ofDays(7)),
        spec,
        hash);
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
    return issue(cn, dnsNames, ips, notBefore, notAfter, KeySpec.EC_256, "SHA256");
  }

  private ServerCert issue(
      String cn,
      List<String> dnsNames,
      List<String> ips,
      Instant notBefore,
      Instant notAfter,
      KeySpec spec,
      String hash)
      throws Exception {
    KeyPair key = newKey(spec);
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
    X509CertificateHolder cert = b.build(signer(caKey, caSpec.signatureWith(hash)));
    String base = cn + "-" + serial();
    List<Object> chain = new ArrayList<>();
    chain.add(cert);
    chain.addAll(above);
    return new ServerCert(
        write(base + ".pem", chain.toArray()),
        write(base + "-key.pem", new JcaPKCS8Generator(key.getPrivate(), null)));
  }

  /**
   * A client certificate: subject CN {@code cn}, SAN URIs and DNS names as given (either may be
   * empty), valid from {@code notBefore} to {@code notAfter}, EC P-256.
   */
  public ServerCert issueClient(
      String cn, List<String> uris, List<String> dnsNames, Instant notBefore, Instant notAfter)
      throws Exception {
    KeyPair key = newKey(KeySpec.EC_256);
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            caName,
            serial(),
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name("CN=" + cn),
            key.getPublic());
    List<GeneralName> names = new ArrayList<>();
    uris.forEach(u -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
    dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
    if (!names.isEmpty()) {
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
    }
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    X509CertificateHolder cert = b.build(signer(caKey, caSpec.signatureWith("SHA256")));
    String base = "client-" + cn + "-" + serial();
    return new ServerCert(
        write(base + ".pem", cert),
        write(base + "-key.pem", new JcaPKCS8Generator(key.getPrivate(), null)));
  }

  /** A valid client certificate for one year from yesterday. */
  public ServerCert issueClient(String cn, List<String> uris, List<String> dnsNames)
      throws Exception {
    Instant now = Instant.now();
    return issueClient(
        cn, uris, dnsNames, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
  }

  /** The serial number of the first certificate in a PEM file. */
  public static BigInteger serialOf(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return ((java.security.cert.X509Certificate)
              java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  private Path write(String file, Object... pemObjects) throws IOException {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      for (Object o : pemObjects) {
        w.writeObject(o);
      }
    }
    Path p = dir.resolve(file);
    Files.writeString(p, sw.toString());
    return p;
  }

  private static KeyPair newKey(KeySpec spec) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(spec.algorithm());
    g.initialize(spec.bits());
    return g.generateKeyPair();
  }

  private static ContentSigner signer(KeyPair key, String algorithm) throws Exception {
    return new JcaContentSignerBuilder(algorithm).build(key.getPrivate());
  }

  private static BigInteger serial() {
    return new BigInteger(63, RANDOM);
  }
}
