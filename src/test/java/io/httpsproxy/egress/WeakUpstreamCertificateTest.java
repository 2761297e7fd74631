package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.httpsproxy.testing.TestCa.KeySpec;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chain below the strength floor (RSA under 2048 bits, a SHA-1 or MD5 signature, anywhere in the
 * chain) is 502 UPSTREAM_TLS with the reason in the message, on both TLS engines, for absolute-form
 * requests and the JSON API alike, and nothing reaches the upstream; strong chains, and a SHA-1
 * self-signature on a trusted root (not used for trust), are served.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WeakUpstreamCertificateTest {
  private static final KeySpec RSA = KeySpec.RSA_2048;
  private static final KeySpec WEAK = KeySpec.RSA_1024;

  /** Upstream by case name, and what the message must say (null: served, 200). */
  private static final Map<String, HttpsUpstream> UPSTREAMS = new LinkedHashMap<>();

  private static final Map<String, String> EXPECTED = new LinkedHashMap<>();
  private static Path trusted;

  @BeforeAll
  static void start() throws Exception {
    TestCa root = TestCa.create("strong-root", RSA, "SHA256");
    TestCa sha1Root = TestCa.create("sha1-self-signed-root", RSA, "SHA1");
    TestCa weakRoot = TestCa.create("weak-root", WEAK, "SHA256");
    trusted = Files.createTempFile("weak-chain-roots", ".pem");
    Files.writeString(
        trusted,
        Files.readString(root.caPem())
            + Files.readString(sha1Root.caPem())
            + Files.readString(weakRoot.caPem()));

    add("strong RSA 2048 / SHA-256", root.issue("good", RSA, "SHA256"), null);
    add("strong EC P-256 leaf", root.issue("good-ec", KeySpec.EC_256, "SHA256"), null);
    add(
        "strong chain under a SHA-1 self-signed trusted root",
        sha1Root.intermediate("sha1-root-int", RSA, "SHA256").issue("ok", RSA, "SHA256"),
        null);
    add(
        "1024-bit RSA leaf",
        root.issue("weak-leaf", WEAK, "SHA256"),
        "CN=weak-leaf has a 1024-bit RSA key; 2048 is the minimum");
    add(
        "1024-bit RSA intermediate",
        root.intermediate("weak-int", WEAK, "SHA256").issue("leaf1", RSA, "SHA256"),
        "CN=weak-int has a 1024-bit RSA key; 2048 is the minimum");
    add(
        "SHA1withRSA leaf signature",
        root.issue("sha1-leaf", RSA, "SHA1"),
        "CN=sha1-leaf is signed with SHA1withRSA; SHA-1 and MD5 signatures are refused");
    add(
        "SHA1withRSA intermediate signature",
        root.intermediate("sha1-int", RSA, "SHA1").issue("leaf2", RSA, "SHA256"),
        "CN=sha1-int is signed with SHA1withRSA");
    add(
        "MD5withRSA leaf signature (the JDK refuses it first)",
        root.issue("md5-leaf", RSA, "MD5"),
        "CN=md5-leaf is signed with MD5withRSA");
    add(
        "1024-bit RSA trusted root, not presented",
        weakRoot.issue("under-weak-root", RSA, "SHA256"),
        "CN=weak-root has a 1024-bit RSA key");
  }

  private static void add(String name, TestCa.ServerCert cert, String reason) {
    UPSTREAMS.put(name, HttpsUpstream.https(cert));
    EXPECTED.put(name, reason);
  }

  @AfterAll
  static void stop() {
    UPSTREAMS.values().forEach(HttpsUpstream::close);
  }

  @ParameterizedTest(name = "tlsEngine {0}")
  @ValueSource(strings = {"openssl", "jdk"})
  void weakChainsAre502TlsWithTheReasonAndStrongOnesAreServed(String engine) {
    JsonObject config =
        ProxyFixture.baseConfig(null, null)
            .put("caFile", trusted.toString())
            .put("tlsEngine", engine);
    try (ProxyHarness proxy = ProxyHarness.start(config)) {
      assertEquals(engine, proxy.node().engines().tls());
      for (var e : UPSTREAMS.entrySet()) {
        String name = e.getKey();
        HttpsUpstream up = e.getValue();
        String reason = EXPECTED.get(name);
        int before = up.total();

        Resp forward = proxy.client().get(up.url("/echo")).await();
        Resp api = proxy.client().fetch(new JsonObject().put("url", up.url("/echo"))).await();
        if (reason == null) {
          assertEquals(200, forward.status(), name + ": " + forward.body());
          assertEquals(200, api.status(), name + ": " + api.body());
          assertEquals(200, api.json().getInteger("status"), name);
          assertEquals(before + 2, up.total(), name);
          continue;
        }
        for (Resp r : List.of(forward, api)) {
          assertEquals(502, r.status(), name + ": " + r.body());
          assertEquals("UPSTREAM_TLS", r.header("X-Proxy-Error"), name);
          String message = r.json().getString("message");
          assertTrue(message.startsWith("upstream TLS failed: upstream certificate "), message);
          assertTrue(message.contains(reason), name + ": " + message);
        }
        assertEquals(before, up.total(), name + ": nothing may reach a weak upstream");
      }
    }
  }
}
