package io.httpsproxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The client CLI over TLS to the proxy: {@code --proxy-tls --proxy-ca}, an https:// proxy variable,
 * a client certificate for a listener that requires one; without the proxy's CA the proxy is not
 * trusted and the CLI says it is unreachable (exit 5).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientTlsTest {
  private static TestCa ca;
  private static TestCa clients;
  private static TestCa.ServerCert clientCert;
  private static HttpsUpstream upstream;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("client-tls");
    clients = TestCa.create("client-tls-clients");
    clientCert = clients.issueClient("cli", List.of(), List.of());
    upstream = HttpsUpstream.https(ca.issue("upstream"));
    TestCa.ServerCert cert = ca.issue("proxy");
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("tlsPort", 0)
                .put("tlsCertFile", cert.certPem().toString())
                .put("tlsKeyFile", cert.keyPem().toString())
                .put("tlsClientAuth", "require")
                .put("tlsClientCaFile", clients.caPem().toString()));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    upstream.close();
  }

  private record Run(int exit, String out, String err) {}

  private static Run client(Map<String, String> env, String... args) {
    ClientCommand cmd = new ClientCommand();
    cmd.env = env;
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int exit = new CommandLine(cmd).execute(args);
      return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private static String[] withCert(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--proxy-cert",
            clientCert.certPem().toString(),
            "--proxy-key",
            clientCert.keyPem().toString()));
    return all.toArray(String[]::new);
  }

  @Test
  void apiAndForwardRequestsGoOverTlsWithTheProxysCa() {
    String port = "" + proxy.node().tlsPort();
    for (String mode : new String[] {"--timeout=30", "--forward"}) {
      Run r =
          client(
              Map.of(),
              withCert(
                  upstream.url("/echo/cli-tls" + mode),
                  "GET",
                  "127.0.0.1",
                  port,
                  "--proxy-tls",
                  mode,
                  "--proxy-ca",
                  ca.caPem().toString()));

      assertEquals(0, r.exit(), r.toString());
      assertTrue(r.out().contains("HTTP 200"), r.toString()); // the node logs to stdout too
      assertTrue(r.out().contains("/echo/cli-tls" + mode), r.toString());
    }
  }

  @Test
  void anHttpsProxyVariableMeansTls() {
    Map<String, String> env = Map.of("https_proxy", "https://127.0.0.1:" + proxy.node().tlsPort());

    Run r =
        client(env, withCert(upstream.url("/echo/cli-env"), "--proxy-ca", ca.caPem().toString()));

    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("/echo/cli-env"), r.toString());
  }

  @Test
  void withoutTheProxysCaOrWithoutACertificateTheProxyIsUnreachable() {
    String port = "" + proxy.node().tlsPort();
    Run untrusted =
        client(
            Map.of(), withCert(upstream.url("/echo/x"), "GET", "127.0.0.1", port, "--proxy-tls"));
    Run noCert =
        client(
            Map.of(),
            upstream.url("/echo/x"),
            "GET",
            "127.0.0.1",
            port,
            "--proxy-ca",
            ca.caPem().toString());

    assertEquals(5, untrusted.exit(), untrusted.toString());
    assertEquals(5, noCert.exit(), noCert.toString());
    assertEquals(0, upstream.count("/echo/x"));
  }
}
