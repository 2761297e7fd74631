package io.httpsproxy.testing;

import io.httpsproxy.ProxyNode;
import io.httpsproxy.config.ProxyConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Starts a real proxy node in this JVM on an ephemeral loopback port. */
public final class ProxyFixture {
  private ProxyFixture() {}

  /**
   * Test defaults: loopback, a free port and a free admin port (the node's own endpoints are on the
   * admin listener only, as by default: {@link ProxyHarness#admin()} calls them), two event loops,
   * short statistics interval off the log, the test CA trusted, and a resolver that never leaves
   * loopback ({@code dns}, or a shared one that knows no name). Loopback destinations are refused
   * by default, so these tests open 127.0.0.0/8 and localhost explicitly; {@code
   * DestinationPolicyTest} proves the defaults refuse them.
   */
  public static JsonObject baseConfig(TestCa ca, TestDns dns) {
    JsonObject j =
        new JsonObject()
            .put("port", 0)
            .put("host", "127.0.0.1")
            .put("adminPort", 0)
            .put("eventLoops", 2)
            .put("statsInterval", 3600.0)
            .put("drainTimeout", 5.0)
            .put("allowDestinations", new JsonArray().add("127.0.0.0/8").add("localhost"));
    if (ca != null) {
      j.put("caFile", ca.caPem().toString());
    }
    // Every proxy in the tests resolves through a loopback TestDns (NXDOMAIN for unknown names),
    // so a test that names a real host can never send a query off the machine.
    j.put("dnsServers", (dns != null ? dns : sharedDns()).address());
    return j;
  }

  private static TestDns shared;

  private static synchronized TestDns sharedDns() {
    if (shared == null) {
      try {
        shared = new TestDns();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return shared;
  }

  /**
   * Starts a node as {@code main} would: from a config file read through the real loader (so a
   * reload reads the file again), plus any {@code flags}, with no environment.
   */
  public static ProxyNode startFromFile(java.nio.file.Path file, String... flags) {
    String[] args = new String[flags.length + 2];
    args[0] = "--config";
    args[1] = file.toString();
    System.arraycopy(flags, 0, args, 2, flags.length);
    io.httpsproxy.config.ConfigSource source =
        io.httpsproxy.config.ConfigSource.of(
            io.httpsproxy.config.ServeCommand.create().parseArgs(args), java.util.Map.of());
    return ProxyNode.start(source).await();
  }

  public static ProxyNode start(JsonObject config) {
    return ProxyNode.start(ProxyConfig.fromJson(config)).await();
  }
}
