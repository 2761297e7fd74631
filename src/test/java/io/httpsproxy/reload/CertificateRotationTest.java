package io.httpsproxy.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.httpsproxy.testing.TestCa;
import io.httpsproxy.testing.TlsClients;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TLS listener's certificate changes without a restart: on {@code POST /admin/reload} and when
 * the files change on disk. A handshake after the rotation sees the new certificate's serial; a
 * keep-alive connection opened before keeps working on the old one; a broken new file changes
 * nothing (the old certificate keeps serving) and the reload answers 400 saying why.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CertificateRotationTest {
  /** Any request: the TLS connection carries HTTP (404 here: /health is on the admin port). */
  private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: proxy\r\n\r\n";

  private TestCa ca;
  private SSLContext client;
  private Path dir;
  private Path cert;
  private Path key;
  private ProxyHarness proxy;

  @BeforeEach
  void files() throws Exception {
    ca = TestCa.create("rotation");
    client = TlsClients.trusting(ca.caPem());
    dir = Files.createTempDirectory("rotation");
    cert = dir.resolve("proxy.pem");
    key = dir.resolve("proxy-key.pem");
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private void start(double watchSeconds) throws Exception {
    install(ca.issue("first"));
    Path config = dir.resolve("proxy.json");
    JsonObject j =
        ProxyFixture.baseConfig(null, null)
            .put("tlsPort", 0)
            .put("tlsCertFile", cert.toString())
            .put("tlsKeyFile", key.toString())
            .put("tlsWatchInterval", watchSeconds);
    Files.writeString(config, j.encodePrettily());
    proxy = ProxyHarness.fromFile(config);
  }

  /** Puts {@code c} in place as a renewal tool would: the key, then the chain, each by rename. */
  private void install(TestCa.ServerCert c) throws Exception {
    Files.copy(c.keyPem(), dir.resolve("key.tmp"), StandardCopyOption.REPLACE_EXISTING);
    Files.move(dir.resolve("key.tmp"), key, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(c.certPem(), dir.resolve("cert.tmp"), StandardCopyOption.REPLACE_EXISTING);
    Files.move(dir.resolve("cert.tmp"), cert, StandardCopyOption.REPLACE_EXISTING);
  }

  private Resp reload() {
    return proxy.admin().local(HttpMethod.POST, "/admin/reload", null).await();
  }

  /** The serial a new handshake sees, after one request on it. */
  private BigInteger servedSerial() throws Exception {
    try (SSLSocket s = TlsClients.connect(client, proxy.node().tlsPort())) {
      assertEquals(404, RawHttp.status(RawHttp.exchange(s, HEALTH)));
      return TlsClients.serverSerial(s);
    }
  }

  @Test
  void reloadRotatesForNewHandshakesAndKeepsOpenConnections() throws Exception {
    start(0);
    BigInteger first = TestCa.serialOf(cert);
    try (SSLSocket open = TlsClients.connect(client, proxy.node().tlsPort())) {
      assertEquals(404, RawHttp.status(RawHttp.exchange(open, HEALTH)));
      assertEquals(first, TlsClients.serverSerial(open));

      install(ca.issue("second"));
      BigInteger second = TestCa.serialOf(cert);
      Resp r = reload();

      assertEquals(200, r.status(), r.body().toString());
      assertEquals(
          new JsonArray().add("tlsCertFile").add("tlsKeyFile"), r.json().getJsonArray("applied"));
      assertEquals(second, servedSerial());
      // the connection made before the rotation is not cut and still answers
      assertEquals(404, RawHttp.status(RawHttp.exchange(open, HEALTH)));
      assertEquals(first, TlsClients.serverSerial(open));
    }
  }

  @Test
  void aBrokenNewFileIsRefusedWith400AndTheOldCertificateKeepsServing() throws Exception {
    start(0);
    BigInteger first = TestCa.serialOf(cert);
    String pem = Files.readString(cert);

    Files.writeString(cert, pem.substring(0, pem.length() / 2)); // truncated mid-write
    Resp truncated = reload();
    TestCa.ServerCert other = ca.issue("other");
    Files.copy(other.certPem(), cert, StandardCopyOption.REPLACE_EXISTING); // key not updated
    Resp mismatched = reload();
    Files.writeString(key, "");
    Resp emptyKey = reload();

    assertEquals(400, truncated.status(), truncated.body().toString());
    assertTrue(
        truncated.json().getString("error").contains("tlsCertFile"), truncated.body().toString());
    assertEquals(400, mismatched.status(), mismatched.body().toString());
    assertTrue(
        mismatched.json().getString("error").contains("does not match"),
        mismatched.body().toString());
    assertEquals(400, emptyKey.status(), emptyKey.body().toString());
    assertTrue(
        emptyKey.json().getString("error").contains("tlsKeyFile"), emptyKey.body().toString());
    assertEquals(first, servedSerial(), "the old certificate still serves");
    assertEquals(1, proxy.node().settings().get().version(), "nothing was applied");
  }

  @Test
  void aCertificateChangedOnDiskIsPickedUpWithoutAReload() throws Exception {
    start(0.2);
    BigInteger first = servedSerial();

    install(ca.issue("renewed"));
    BigInteger renewed = TestCa.serialOf(cert);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    BigInteger seen = first;
    while (!seen.equals(renewed) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      seen = servedSerial();
    }

    assertEquals(renewed, seen, "the watcher applied the renewed certificate");
    assertEquals(2, proxy.node().settings().get().version());
  }
}
