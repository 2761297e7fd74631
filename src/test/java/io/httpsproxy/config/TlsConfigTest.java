package io.httpsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.TestCa;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS listener's settings and files: every broken file is refused as the config is built (so a
 * start exits 2, a reload answers 400 and {@code check} reports it), naming the setting, the file
 * and what is wrong with it.
 */
class TlsConfigTest {
  @TempDir static Path dir;
  private static TestCa ca;
  private static TestCa.ServerCert good;
  private static TestCa.ServerCert other;

  @BeforeAll
  static void certs() throws Exception {
    ca = TestCa.create("tls-config");
    good = ca.issue("proxy");
    other = ca.issue("other");
  }

  private static JsonObject tls(Path cert, Path key) {
    return new JsonObject()
        .put("tlsPort", 8443)
        .put("tlsCertFile", cert.toString())
        .put("tlsKeyFile", key.toString());
  }

  private static String refusal(JsonObject j) {
    return assertThrows(ConfigException.class, () -> ProxyConfig.fromJson(j)).getMessage();
  }

  private static void assertNames(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "'" + message + "' does not say '" + p + "'");
    }
  }

  private static Path file(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void aGoodPairIsReadWithItsSerial() throws Exception {
    ProxyConfig c = ProxyConfig.fromJson(tls(good.certPem(), good.keyPem()));

    TlsMaterial m = TlsMaterial.read(c.tls());
    assertEquals(TestCa.serialOf(good.certPem()), m.serial());
    assertEquals(List.of("tlsCertFile", "tlsKeyFile", "tlsClientCaFile"), m.changedFrom(null));
    assertEquals(List.of(), m.changedFrom(TlsMaterial.read(c.tls())));
  }

  @Test
  void refusesFilesThatCannotBeRead() {
    String missing = refusal(tls(dir.resolve("nope.pem"), good.keyPem()));
    String directory = refusal(tls(good.certPem(), dir));

    assertNames(missing, "tlsCertFile", "nope.pem", "readable", "no such file");
    assertNames(directory, "tlsKeyFile", dir.toString(), "readable");
  }

  @Test
  void refusesFilesThatAreNotPem() throws Exception {
    Path der = Files.write(dir.resolve("cert.der"), new byte[] {0x30, (byte) 0x82, 1, 2, 3});
    Path text = file("key.txt", "this is not a key\n");

    assertNames(refusal(tls(der, good.keyPem())), "tlsCertFile", "cert.der", "no -----BEGIN");
    assertNames(refusal(tls(good.certPem(), text)), "tlsKeyFile", "key.txt", "no -----BEGIN");
  }

  @Test
  void refusesAKeyInTheCertificateSlotAndTheReverse() {
    assertNames(
        refusal(tls(good.keyPem(), good.keyPem())),
        "tlsCertFile",
        "holds a private key",
        "swapped");
    assertNames(
        refusal(tls(good.certPem(), good.certPem())),
        "tlsKeyFile",
        "holds certificates",
        "swapped");
  }

  @Test
  void refusesAKeyThatIsNotTheCertificates() {
    String m = refusal(tls(good.certPem(), other.keyPem()));

    assertNames(m, "tlsKeyFile", other.keyPem().toString(), "does not match", "tlsCertFile");
  }

  @Test
  void refusesExpiredAndNotYetValidCertificates() throws Exception {
    Instant now = Instant.now();
    TestCa.ServerCert expired =
        ca.issue(
            "expired",
            List.of("localhost"),
            List.of("127.0.0.1"),
            now.minus(Duration.ofDays(10)),
            now.minus(Duration.ofDays(1)));
    TestCa.ServerCert future =
        ca.issue(
            "future",
            List.of("localhost"),
            List.of("127.0.0.1"),
            now.plus(Duration.ofDays(1)),
            now.plus(Duration.ofDays(10)));

    assertNames(refusal(tls(expired.certPem(), expired.keyPem())), "tlsCertFile", "expired");
    assertNames(refusal(tls(future.certPem(), future.keyPem())), "tlsCertFile", "valid from");
  }

  @Test
  void refusesTruncatedAndEncryptedFiles() throws Exception {
    String pem = Files.readString(good.certPem());
    Path truncated = file("truncated.pem", pem.substring(0, pem.length() / 2));
    Path encrypted =
        file(
            "encrypted.pem",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");

    assertNames(refusal(tls(truncated, good.keyPem())), "tlsCertFile", "truncated.pem", "parse");
    assertNames(refusal(tls(good.certPem(), encrypted)), "tlsKeyFile", "encrypted");
  }

  @Test
  void needsTheFilesAndTheClientCaWhenTheListenerIsOn() {
    assertNames(refusal(new JsonObject().put("tlsPort", 8443)), "tlsCertFile", "tlsPort");
    assertNames(
        refusal(tls(good.certPem(), good.keyPem()).put("tlsClientAuth", "require")),
        "tlsClientCaFile",
        "require");
    assertNames(
        refusal(tls(good.certPem(), good.keyPem()).put("tlsClientAuth", "sometimes")),
        "tlsClientAuth",
        "none, request, require");
    assertNames(
        refusal(
            tls(good.certPem(), good.keyPem())
                .put("tlsClientAuth", "require")
                .put("tlsClientCaFile", good.keyPem().toString())),
        "tlsClientCaFile",
        "holds a private key");
  }

  @Test
  void thePlainPortMayBeOffOnlyWithATlsListener() {
    ProxyConfig tlsOnly = ProxyConfig.fromJson(tls(good.certPem(), good.keyPem()).put("port", -1));

    assertEquals(-1, tlsOnly.port());
    assertNames(refusal(new JsonObject().put("port", -1)), "port", "at least one listener");
  }

  @Test
  void filesAreNotReadWhileTheListenerIsOff() {
    ProxyConfig c =
        ProxyConfig.fromJson(
            new JsonObject().put("tlsCertFile", "/nonexistent.pem").put("tlsKeyFile", "/k.pem"));

    assertEquals(false, c.tls().enabled());
  }
}
