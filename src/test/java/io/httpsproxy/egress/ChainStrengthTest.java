package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The strength floor on single certificates, including curves the JDK can no longer make or serve
 * (P-192, P-224: BouncyCastle makes them here), so they are refused by our rule and not only by
 * {@code jdk.certpath.disabledAlgorithms}.
 */
class ChainStrengthTest {
  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  private static KeyPair ec(String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC", BC);
    g.initialize(new ECGenParameterSpec(curve));
    return g.generateKeyPair();
  }

  private static KeyPair rsa(int bits) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(bits);
    return g.generateKeyPair();
  }

  /** A certificate for {@code subject}'s key, issued by {@code issuer} with {@code algorithm}. */
  private static X509Certificate cert(
      String subject, KeyPair key, String issuer, KeyPair issuerKey, String algorithm)
      throws Exception {
    Instant now = Instant.now();
    var b =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=" + issuer),
            BigInteger.ONE,
            Date.from(now.minusSeconds(60)),
            Date.from(now.plusSeconds(3600)),
            new X500Name("CN=" + subject),
            key.getPublic());
    var holder =
        b.build(
            new JcaContentSignerBuilder(algorithm).setProvider(BC).build(issuerKey.getPrivate()));
    return new JcaX509CertificateConverter().setProvider(BC).getCertificate(holder);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "secp192r1, 192, false",
    "secp224r1, 224, false",
    "secp256r1, 256, true",
    "secp384r1, 384, true"
  })
  void ecKeysBelow256BitsAreRefused(String curve, int bits, boolean strong) throws Exception {
    KeyPair ca = ec("secp256r1");
    X509Certificate leaf = cert("leaf", ec(curve), "ca", ca, "SHA256withECDSA");
    String why = ChainStrength.weakness(new X509Certificate[] {leaf}, null, Set.of());
    if (strong) {
      assertNull(why);
    } else {
      assertEquals(
          "upstream certificate CN=leaf has a " + bits + "-bit EC key; 256 is the minimum", why);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "SHA1withRSA, false",
    "MD5withRSA, false",
    "SHA256withRSA, true",
    "SHA384withRSA, true",
    "SHA256withRSAandMGF1, true"
  })
  void sha1AndMd5SignaturesAreRefused(String algorithm, boolean strong) throws Exception {
    KeyPair ca = rsa(2048);
    X509Certificate leaf = cert("leaf", rsa(2048), "ca", ca, algorithm);
    String why = ChainStrength.weakness(new X509Certificate[] {leaf}, null, Set.of());
    if (strong) {
      assertNull(why);
    } else {
      assertEquals(
          "upstream certificate CN=leaf is signed with "
              + leaf.getSigAlgName()
              + "; SHA-1 and MD5 signatures are refused",
          why);
    }
  }

  @Test
  void theSelfSignatureOfATrustedRootIsNotChecked() throws Exception {
    KeyPair rootKey = rsa(2048);
    X509Certificate root = cert("root", rootKey, "root", rootKey, "SHA1withRSA");
    X509Certificate leaf = cert("leaf", rsa(2048), "root", rootKey, "SHA256withRSA");
    X509Certificate[] chain = {leaf, root};
    assertNull(ChainStrength.weakness(chain, null, Set.of(new X500Principal("CN=root"))));
    // The same self-signed certificate, not trusted: its signature counts.
    assertEquals(
        "upstream certificate CN=root is signed with "
            + root.getSigAlgName()
            + "; SHA-1 and MD5 signatures are refused",
        ChainStrength.weakness(chain, null, Set.of()));
  }

  @Test
  void theKeyOfTheTrustAnchorCountsEvenWhenNotPresented() throws Exception {
    KeyPair rootKey = rsa(1024);
    X509Certificate root = cert("root", rootKey, "root", rootKey, "SHA256withRSA");
    X509Certificate leaf = cert("leaf", rsa(2048), "root", rootKey, "SHA256withRSA");
    assertNull(ChainStrength.weakness(new X509Certificate[] {leaf}, null, Set.of()));
    assertEquals(
        "upstream certificate CN=root has a 1024-bit RSA key; 2048 is the minimum",
        ChainStrength.weakness(
            new X509Certificate[] {leaf}, root, Set.of(new X500Principal("CN=root"))));
  }

  @Test
  void rsaKeysBelow2048BitsAreRefusedAtEveryPosition() throws Exception {
    KeyPair rootKey = rsa(2048);
    KeyPair weak = rsa(1536);
    X509Certificate intermediate = cert("int", weak, "root", rootKey, "SHA256withRSA");
    X509Certificate leaf = cert("leaf", rsa(2048), "int", weak, "SHA256withRSA");
    assertEquals(
        "upstream certificate CN=int has a 1536-bit RSA key; 2048 is the minimum",
        ChainStrength.weakness(new X509Certificate[] {leaf, intermediate}, null, Set.of()));
  }
}
