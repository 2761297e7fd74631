package io.httpsproxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.security.PasswordHash;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The client CLI authenticates to the proxy (issue #16 item 4): --user (Basic, asked for when the
 * password is missing), --token (Bearer, API only), and the credentials of http_proxy /
 * https_proxy, which also say where the proxy is. A real node with a credentials file, a real
 * upstream; the CLI runs in this JVM with its own environment and stdin.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientAuthTest {
  private static final String PASSWORD = "p@ss word:1";
  private static HttpsUpstream upstream;
  private static ProxyHarness proxy;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpsUpstream.http();
    Path dir = Files.createTempDirectory("client-auth");
    Path creds = dir.resolve("credentials");
    token = PasswordHash.newToken();
    CredentialsFile.write(
        creds,
        List.of(
            PasswordHash.newPassword("alice", PASSWORD.toCharArray()),
            PasswordHash.tokenEntry("ci", token)));
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null).put("credentialsFile", creds.toString()));
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    upstream.close();
  }

  private record Run(int exit, String out, String err) {}

  private static Run client(Map<String, String> env, String stdin, String... args) {
    ClientCommand cmd = new ClientCommand();
    cmd.env = env;
    PrintStream out = System.out;
    PrintStream err = System.err;
    InputStream in = System.in;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      int exit = new CommandLine(cmd).execute(args);
      return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
      System.setIn(in);
    }
  }

  /** The CLI against the test node by its arguments, {@code extra} after them. */
  private static Run viaArgs(String url, String stdin, String... extra) {
    List<String> args = new ArrayList<>(List.of(url, "GET", "127.0.0.1", "" + proxy.port()));
    args.addAll(List.of(extra));
    return client(Map.of(), stdin, args.toArray(String[]::new));
  }

  private static String url() {
    return upstream.url("/echo/cli-auth?t=" + UUID.randomUUID());
  }

  @Test
  void withoutCredentialsTheProxyRefusesAndTheExitCodeSaysSo() {
    Run api = viaArgs(url(), "");
    assertEquals(4, api.exit(), api.toString());
    assertTrue(api.err().contains("AUTH_REQUIRED"), api.err());
    Run forward = viaArgs(url(), "", "--forward");
    assertEquals(4, forward.exit(), forward.toString());
    assertTrue(forward.err().contains("PROXY_AUTH_REQUIRED"), forward.err());
  }

  @Test
  void userWithPasswordAuthenticatesTheApiAndForwardedRequestsAndNothingReachesTheUpstream() {
    for (String mode : new String[] {"--timeout=30", "--forward"}) {
      Run r = viaArgs(url(), "", "--user", "alice:" + PASSWORD, mode);
      assertEquals(0, r.exit(), mode + ": " + r);
      // The node shares this JVM: its access log lines land in the captured stdout too.
      assertTrue(r.out().contains("HTTP 200\n"), mode + ": " + r);
      Map<String, List<String>> seen = upstream.last().headers();
      assertFalse(seen.containsKey("authorization"), mode + " leaked: " + seen);
      assertFalse(seen.containsKey("proxy-authorization"), mode + " leaked: " + seen);
    }
    Run wrong = viaArgs(url(), "", "-u", "alice:nope");
    assertEquals(4, wrong.exit(), wrong.toString());
  }

  @Test
  void aMissingPasswordIsReadFromStdinAndNoneIsAClearError() {
    Run r = viaArgs(url(), PASSWORD + "\n", "--user", "alice");
    assertEquals(0, r.exit(), r.toString());
    Run none = viaArgs(url(), "", "--user", "alice");
    assertEquals(2, none.exit(), none.toString());
    assertTrue(none.err().contains("no password for alice"), none.err());
    Run noName = viaArgs(url(), "", "--user", ":x");
    assertEquals(2, noName.exit(), noName.toString());
  }

  @Test
  void aTokenAuthenticatesTheApiOnly() {
    Run r = viaArgs(url(), "", "--token", token);
    assertEquals(0, r.exit(), r.toString());
    Run forward = viaArgs(url(), "", "--token", token, "--forward");
    assertEquals(2, forward.exit(), forward.toString());
    assertTrue(forward.err().contains("--user"), forward.err());
    Run both = viaArgs(url(), "", "--token", token, "--user", "alice:" + PASSWORD);
    assertEquals(2, both.exit(), both.toString());
    Run bad = viaArgs(url(), "", "--token", "not-the-token");
    assertEquals(4, bad.exit(), bad.toString());
  }

  @Test
  void proxyVariablesSayWhereTheProxyIsAndWhoCalls() {
    String encoded =
        "alice:" + PASSWORD.replace("@", "%40").replace(" ", "%20").replace(":", "%3A");
    String lower = "http://" + encoded + "@127.0.0.1:" + proxy.port();
    Run r = client(Map.of("http_proxy", lower), "", url());
    assertEquals(0, r.exit(), r.toString());
    Run forward = client(Map.of("http_proxy", lower), "", url(), "--forward");
    assertEquals(0, forward.exit(), forward.toString());
    // Without a scheme, as many set it.
    Run bare = client(Map.of("http_proxy", encoded + "@127.0.0.1:" + proxy.port()), "", url());
    assertEquals(0, bare.exit(), bare.toString());
    // --user wins over the variable's credentials.
    Run override = client(Map.of("http_proxy", lower), "", url(), "--user", "alice:nope");
    assertEquals(4, override.exit(), override.toString());
  }

  @Test
  void theVariableForTheTargetsSchemeIsTheOneRead() {
    String proxyUrl = "http://127.0.0.1:" + proxy.port();
    // An https:// target reads HTTPS_PROXY / https_proxy, never http_proxy: nothing listens on 1.
    Run https =
        client(
            Map.of("HTTPS_PROXY", "http://127.0.0.1:1", "http_proxy", proxyUrl),
            "",
            "https://localhost:1/x",
            "--timeout=5");
    assertEquals(5, https.exit(), https.toString());
    assertTrue(https.err().contains("127.0.0.1:1"), https.err());
    // Upper-case HTTP_PROXY is ignored (a CGI server sets it from a request's Proxy header).
    Run upper = client(Map.of("HTTP_PROXY", "http://127.0.0.1:1"), "", url(), "--timeout=5");
    assertFalse(upper.err().contains("127.0.0.1:1"), upper.toString());
    // Arguments win over the variables.
    Run args = viaArgs(url(), "", "--user", "alice:" + PASSWORD);
    assertEquals(0, args.exit(), args.toString());
  }

  @Test
  void unusableProxyVariablesAreRefusedWithTheirName() {
    for (String bad : new String[] {"socks5://127.0.0.1:1080", "ftp://127.0.0.1:21", "http://"}) {
      Run r = client(Map.of("http_proxy", bad), "", url());
      assertEquals(2, r.exit(), bad + ": " + r);
      assertTrue(r.err().contains("http_proxy"), r.err());
    }
  }
}
