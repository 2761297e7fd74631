package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.ingress.AccessLog;
import io.httpsproxy.metrics.TlsHandshakes;
import io.httpsproxy.metrics.TlsHandshakes.Reason;
import io.httpsproxy.testing.Curl;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Client certificates on the TLS listener, with curl's {@code --proxy-cert/--proxy-key}: a verified
 * certificate names the user (SAN URI, else SAN DNS, else CN) in the access log and in the rate
 * limit; under {@code require} no certificate, another CA's or an expired one is refused in the
 * handshake, counted by reason, and nothing reaches the upstream; with a credentials file, {@code
 * tlsClientIdentity} says whether the certificate alone is enough.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientCertificateTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();
  private static TestCa serverCa;
  private static TestCa clientCa;
  private static HttpsUpstream upstream;
  private static ProxyHarness required;
  private static ProxyHarness either;
  private static ProxyHarness both;

  @BeforeAll
  static void start() throws Exception {
    serverCa = TestCa.create("proxy-server");
    clientCa = TestCa.create("proxy-clients");
    upstream = HttpsUpstream.http();
    TestCa.ServerCert cert = serverCa.issue("proxy");
    JsonObject tls =
        ProxyFixture.baseConfig(null, null)
            .put("tlsPort", 0)
            .put("tlsCertFile", cert.certPem().toString())
            .put("tlsKeyFile", cert.keyPem().toString())
            .put("tlsClientCaFile", clientCa.caPem().toString())
            .put("accessLogPaths", true);
    required =
        ProxyHarness.start(
            tls.copy().put("tlsClientAuth", "require").put("rateLimit", 1).put("rateBurst", 2));
    Path creds = Files.createTempDirectory("cert-auth").resolve("credentials");
    CredentialsFile.write(
        creds, List.of(PasswordHash.newPassword("alice", PASSWORD.toCharArray())));
    JsonObject withCreds =
        tls.copy().put("tlsClientAuth", "request").put("credentialsFile", creds.toString());
    either = ProxyHarness.start(withCreds.copy());
    both = ProxyHarness.start(withCreds.copy().put("tlsClientIdentity", "both"));
    accessLines.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(accessLines);
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(accessLines);
    required.close();
    either.close();
    both.close();
    upstream.close();
  }

  /** curl through {@code proxy}'s TLS port to {@code path}, with {@code cert} unless null. */
  private static Curl.Result get(
      ProxyHarness proxy, TestCa.ServerCert cert, String path, String... more) throws Exception {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--proxy", "https://127.0.0.1:" + proxy.node().tlsPort()));
    args.addAll(List.of("--proxy-cacert", serverCa.caPem().toString()));
    if (cert != null) {
      args.addAll(List.of("--proxy-cert", cert.certPem().toString()));
      args.addAll(List.of("--proxy-key", cert.keyPem().toString()));
    }
    args.addAll(List.of(more));
    args.add(upstream.url(path));
    return Curl.run(args.toArray(String[]::new));
  }

  /** The access log line of the request to {@code path}, waiting for it a little. */
  private static JsonObject accessLine(String path) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      for (ILoggingEvent e : List.copyOf(accessLines.list)) {
        JsonObject j = new JsonObject(e.getFormattedMessage());
        if (path.equals(j.getString("path"))) {
          return j;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no access log line for " + path);
  }

  private static long waitForCount(TlsHandshakes h, Reason r, long before) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (h.count(r) == before && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return h.count(r);
  }

  @Test
  void theCertificatesSanUriElseSanDnsElseCnIsTheUserInTheAccessLog() throws Exception {
    TestCa.ServerCert uri =
        clientCa.issueClient(
            "ignored-cn", List.of("spiffe://example.org/billing"), List.of("b.example"));
    TestCa.ServerCert dns =
        clientCa.issueClient("ignored-too", List.of(), List.of("ci.example.org"));
    TestCa.ServerCert cn = clientCa.issueClient("batch-job", List.of(), List.of());

    for (var c :
        List.of(
            List.of(uri, "spiffe://example.org/billing"),
            List.of(dns, "ci.example.org"),
            List.of(cn, "batch-job"))) {
      String path = "/echo/id-" + c.get(1).hashCode();
      Curl.Result r = get(required, (TestCa.ServerCert) c.get(0), path);

      assertEquals(200, r.status(), r.describe());
      assertEquals(c.get(1), accessLine(path).getString("user"));
    }
  }

  @Test
  void theRateLimitCountsPerCertificateIdentity() throws Exception {
    TestCa.ServerCert greedy = clientCa.issueClient("greedy", List.of(), List.of());
    TestCa.ServerCert calm = clientCa.issueClient("calm", List.of(), List.of());
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      statuses.add(get(required, greedy, "/echo/greedy").status());
    }
    Curl.Result other = get(required, calm, "/echo/calm");

    // rateLimit 1/s, burst 2: four requests in well under 2 s leave at least one refused.
    assertTrue(statuses.contains(429), statuses.toString());
    assertEquals(200, statuses.get(0));
    assertEquals(200, other.status(), "another identity has its own bucket: " + other.describe());
  }

  @Test
  void requireRefusesAClientWithoutACertificateInTheHandshake() throws Exception {
    assertRefused(null, Reason.NO_CLIENT_CERTIFICATE, "/echo/no-cert");
  }

  @Test
  void requireRefusesACertificateFromAnotherCa() throws Exception {
    TestCa rogue = TestCa.create("rogue");
    assertRefused(
        rogue.issueClient("mallory", List.of(), List.of()),
        Reason.UNTRUSTED_CLIENT_CERTIFICATE,
        "/echo/rogue");
  }

  @Test
  void requireRefusesAnExpiredCertificate() throws Exception {
    Instant now = Instant.now();
    TestCa.ServerCert old =
        clientCa.issueClient(
            "old",
            List.of(),
            List.of(),
            now.minus(Duration.ofDays(30)),
            now.minus(Duration.ofDays(1)));
    assertRefused(old, Reason.EXPIRED_CLIENT_CERTIFICATE, "/echo/expired");
  }

  private static void assertRefused(TestCa.ServerCert cert, Reason reason, String path)
      throws Exception {
    TlsHandshakes h = required.node().stats().tlsHandshakes();
    long before = h.count(reason);
    int upstreamBefore = upstream.count(path);

    Curl.Result r = get(required, cert, path);

    assertNotEquals(0, r.exit(), r.describe());
    assertEquals(before + 1, waitForCount(h, reason, before), r.describe());
    assertEquals(upstreamBefore, upstream.count(path), "nothing reaches the upstream");
    double metered =
        required
            .node()
            .registry()
            .get("proxy.tls.handshake.failures")
            .tag("reason", reason.label())
            .functionCounter()
            .count();
    assertEquals(before + 1, (long) metered);
  }

  @Test
  void eitherAcceptsACertificateOrCredentialsAndRefusesNeither() throws Exception {
    TestCa.ServerCert robot = clientCa.issueClient("robot", List.of(), List.of());

    Curl.Result byCert = get(either, robot, "/echo/either-cert");
    Curl.Result byPassword =
        get(either, null, "/echo/either-pw", "--proxy-user", "alice:" + PASSWORD);
    Curl.Result neither = get(either, null, "/echo/either-none");

    assertEquals(200, byCert.status(), byCert.describe());
    assertEquals("robot", accessLine("/echo/either-cert").getString("user"));
    assertEquals(200, byPassword.status(), byPassword.describe());
    assertEquals("alice", accessLine("/echo/either-pw").getString("user"));
    assertEquals(407, neither.status(), neither.describe());
  }

  @Test
  void bothNeedsTheCertificateAndTheCredentials() throws Exception {
    TestCa.ServerCert robot = clientCa.issueClient("robot2", List.of(), List.of());

    Curl.Result certOnly = get(both, robot, "/echo/both-cert");
    Curl.Result passwordOnly =
        get(both, null, "/echo/both-pw", "--proxy-user", "alice:" + PASSWORD);
    Curl.Result together = get(both, robot, "/echo/both-ok", "--proxy-user", "alice:" + PASSWORD);

    assertEquals(407, certOnly.status(), certOnly.describe());
    assertEquals(407, passwordOnly.status(), passwordOnly.describe());
    assertEquals(200, together.status(), together.describe());
    assertEquals("alice", accessLine("/echo/both-ok").getString("user"));
    assertEquals(0, upstream.count("/echo/both-cert") + upstream.count("/echo/both-pw"));
  }
}
