package io.httpsproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.security.PasswordHash;
import io.httpsproxy.testing.TestCa;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code https-proxy check} (issue #16 item 9): exit 0 and one line for a config a node would start
 * with, exit 2 and the first problem for anything a start would refuse, files included.
 */
class ConfigCheckTest {
  private static Path dir;

  @BeforeAll
  static void files() throws Exception {
    dir = Files.createTempDirectory("config-check");
  }

  private record Run(int exit, String out, String err) {}

  private static Run check(Map<String, String> env, String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int exit =
        ConfigCheck.run(
            args,
            env,
            new PrintStream(o, true, StandardCharsets.UTF_8),
            new PrintStream(e, true, StandardCharsets.UTF_8));
    return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  private static Run check(String... args) {
    return check(Map.of(), args);
  }

  private static Path write(String name, String content) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  private static void assertRefused(Run r, String... mustName) {
    assertEquals(2, r.exit(), r.toString());
    assertEquals("", r.out(), "nothing on stdout for a refused config");
    for (String s : mustName) {
      assertTrue(r.err().contains(s), "'" + s + "' not in: " + r.err());
    }
  }

  @Test
  void theShippedConfigPassesAndTheFileIsNamed() {
    Run r = check("--config", "conf/proxy.json");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().startsWith("https-proxy check: OK (config file: conf/proxy.json"), r.out());
  }

  @Test
  void flagsAndTheEnvironmentAreAppliedOverTheFile() {
    Run r =
        check(Map.of("PROXY_QUEUE_SIZE", "77"), "--config", "conf/proxy.json", "--workers", "5");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("workers 5, queueSize 77"), r.out());
    assertTrue(
        r.out().contains("note: workers: the file's value is overridden by --workers"), r.out());
  }

  @Test
  void badFlagsEnvironmentAndFileValuesAreRefusedWithTheirSource() throws Exception {
    assertRefused(check("--workers", "-1"), "workers", "--workers");
    assertRefused(check("--no-such-flag"), "no-such-flag");
    assertRefused(check(Map.of("PROXY_QUEUE_SIZE", "lots")), "queueSize", "PROXY_QUEUE_SIZE");
    Path file = write("bad.json", "{\"requestTimeout\": -3}");
    assertRefused(check("--config", file.toString()), "requestTimeout", file.toString());
    Path unknown = write("unknown.json", "{\"queue_size\": 3}");
    assertRefused(check("--config", unknown.toString()), "queue_size");
    assertRefused(check("--config", dir.resolve("missing.json").toString()), "missing.json");
    assertRefused(check("--allow-destinations", "10.0.0.0/33"), "10.0.0.0/33");
  }

  @Test
  void theCredentialsFileIsReadAndABadLineNamed() throws Exception {
    Path good = dir.resolve("credentials");
    CredentialsFile.write(good, List.of(PasswordHash.tokenEntry("ci", PasswordHash.newToken())));
    Run ok = check("--credentials-file", good.toString());
    assertEquals(0, ok.exit(), ok.toString());
    assertTrue(ok.out().contains("credentials " + good), ok.out());

    Path bad = write("bad-credentials", "# users\nalice:plaintext-password\n");
    assertRefused(check("--credentials-file", bad.toString()), "line 2");
    assertTrue(
        !check("--credentials-file", bad.toString()).err().contains("plaintext-password"),
        "a secret is never echoed");
    assertRefused(check("--credentials-file", dir.resolve("nobody").toString()), "nobody");
  }

  @Test
  void theCaFileMustHoldCertificates() throws Exception {
    TestCa ca = TestCa.create("check");
    Run ok = check("--ca-file", ca.caPem().toString());
    assertEquals(0, ok.exit(), ok.toString());
    assertRefused(check("--ca-file", write("empty.pem", "").toString()), "caFile", "PEM");
    assertRefused(
        check(
            "--ca-file",
            write(
                    "text.pem",
                    "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")
                .toString()),
        "caFile");
    assertRefused(check("--ca-file", dir.resolve("none.pem").toString()), "caFile", "readable");
  }

  @Test
  void aClusterConfigThatDoesNotParseIsRefused() throws Exception {
    Path xml = write("cluster.xml", "<hazelcast><network>");
    assertRefused(check("--cluster", "true", "--cluster-config", xml.toString()), "cluster.xml");
    Run shipped = check("--cluster", "true", "--cluster-config", "conf/cluster.xml");
    assertEquals(0, shipped.exit(), shipped.toString());
    assertTrue(shipped.out().contains("clustered"), shipped.out());
  }
}
