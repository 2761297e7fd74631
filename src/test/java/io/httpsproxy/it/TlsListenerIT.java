package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.it.JarProcess.Finished;
import io.httpsproxy.testing.Curl;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.OpenSslClient;
import io.httpsproxy.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real jar's TLS listener: broken certificate or key files stop the start with exit 2 and one
 * line naming the setting, the file and the problem, and {@code https-proxy check} reports the
 * same; a running node serves curl {@code --proxy https://} and takes a new certificate on SIGHUP.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsListenerIT {
  private static final Pattern TLS_LISTENING =
      Pattern.compile("TLS listener on [0-9.]+:(\\d+) \\(certificate serial ([0-9A-F]+)");

  private static Path dir;
  private static TestCa ca;
  private static HttpsUpstream upstream;

  @BeforeAll
  static void setUp() throws Exception {
    dir = JarProcess.workDir();
    ca = TestCa.create("tls-it");
    upstream = HttpsUpstream.http();
  }

  @AfterAll
  static void tearDown() {
    upstream.close();
  }

  private static List<String> tlsArgs(Path cert, Path key) {
    return JarProcess.nodeArgs(
        dir,
        "--tls-port",
        "0",
        "--tls-cert-file",
        cert.toString(),
        "--tls-key-file",
        key.toString());
  }

  @Test
  void brokenFilesStopTheStartWithExit2AndCheckSaysTheSame() throws Exception {
    TestCa.ServerCert good = ca.issue("proxy");
    TestCa.ServerCert other = ca.issue("other");
    Instant now = Instant.now();
    TestCa.ServerCert expired =
        ca.issue(
            "expired",
            List.of("localhost"),
            List.of("127.0.0.1"),
            now.minus(Duration.ofDays(9)),
            now.minus(Duration.ofDays(2)));
    Path notPem = Files.writeString(dir.resolve("not-pem.crt"), "hello\n");
    record Case(Path cert, Path key, String setting, String problem) {}
    List<Case> cases =
        List.of(
            new Case(dir.resolve("missing.pem"), good.keyPem(), "tlsCertFile", "no such file"),
            new Case(notPem, good.keyPem(), "tlsCertFile", "no -----BEGIN block"),
            new Case(good.keyPem(), good.keyPem(), "tlsCertFile", "holds a private key"),
            new Case(good.certPem(), other.keyPem(), "tlsKeyFile", "does not match"),
            new Case(expired.certPem(), expired.keyPem(), "tlsCertFile", "expired"));
    for (Case c : cases) {
      Finished start =
          JarProcess.run(dir, Map.of(), Duration.ofSeconds(20), tlsArgs(c.cert, c.key));
      List<String> checkArgs = new ArrayList<>(List.of("check"));
      checkArgs.addAll(tlsArgs(c.cert, c.key));
      Finished check = JarProcess.run(dir, Map.of(), Duration.ofSeconds(20), checkArgs);

      for (Finished f : List.of(start, check)) {
        assertEquals(2, f.exitCode(), f.describe());
        assertFalse(f.stdout().contains("listening on"), f.describe());
        String line = f.stderrLines().get(0);
        assertTrue(line.contains(c.setting) && line.contains(c.problem), f.describe());
        Path named = c.setting.equals("tlsCertFile") ? c.cert : c.key;
        assertTrue(line.contains(named.toString()), f.describe());
      }
    }
  }

  @Test
  void servesCurlOverTlsAndTakesANewCertificateOnSighup() throws Exception {
    Path cert = dir.resolve("served.pem");
    Path key = dir.resolve("served-key.pem");
    TestCa.ServerCert first = ca.issue("first");
    Files.copy(first.certPem(), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(first.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
    List<String> args = tlsArgs(cert, key);
    args.addAll(List.of("--tls-watch-interval", "0"));
    try (JarProcess node = JarProcess.start(dir, Map.of(), args)) {
      node.awaitListening(Duration.ofSeconds(60));
      Matcher m = node.awaitOutput(TLS_LISTENING, Duration.ofSeconds(10));
      int tlsPort = Integer.parseInt(m.group(1));
      assertEquals(TestCa.serialOf(cert).toString(16).toUpperCase(), m.group(2));
      Curl.Result r =
          Curl.run(
              "--proxy",
              "https://127.0.0.1:" + tlsPort,
              "--proxy-cacert",
              ca.caPem().toString(),
              "http://localhost:" + upstream.port() + "/echo/it-tls");
      assertEquals(200, r.status(), r.describe());

      TestCa.ServerCert second = ca.issue("second");
      Files.copy(second.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
      Files.copy(second.certPem(), cert, StandardCopyOption.REPLACE_EXISTING);
      node.signal("HUP");
      node.awaitOutput(
          Pattern.compile("reload \\(SIGHUP\\): applied tlsCertFile, tlsKeyFile"),
          Duration.ofSeconds(10));
      String served =
          OpenSslClient.run(tlsPort, "", "-CAfile", ca.caPem().toString(), "-showcerts");

      assertTrue(served.contains("s:CN = second"), served);
      node.sigterm();
      assertEquals(0, node.finish(Duration.ofSeconds(30)).exitCode());
    }
  }
}
