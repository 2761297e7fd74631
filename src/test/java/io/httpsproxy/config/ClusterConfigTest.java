package io.httpsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cluster settings: a switch on the command line, validated like every other setting. */
class ClusterConfigTest {
  private static ProxyConfig load(Map<String, String> env, String... args) throws IOException {
    Path empty = Files.createTempFile("empty", ".json");
    Files.writeString(empty, "{}");
    String[] all = new String[args.length + 2];
    all[0] = "--config";
    all[1] = empty.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return ConfigLoader.load(ServeCommand.create().parseArgs(all), env);
  }

  @Test
  void clusterIsOffByDefault() throws IOException {
    assertFalse(load(Map.of()).cluster().enabled());
  }

  @Test
  void clusterFlagAloneTurnsItOnAndTakesAnExplicitValueToo() throws IOException {
    assertTrue(load(Map.of(), "--cluster").cluster().enabled());
    assertFalse(load(Map.of(), "--cluster=false").cluster().enabled());
    assertTrue(load(Map.of("PROXY_CLUSTER", "TRUE")).cluster().enabled());
  }

  @Test
  void clusterFlagDoesNotSwallowThePositionalArguments() throws IOException {
    ProxyConfig c = load(Map.of(), "--cluster", "9000");
    assertTrue(c.cluster().enabled());
    assertEquals(9000, c.port());
  }

  @Test
  void aBooleanThatIsNotTrueOrFalseIsRefusedWithItsSource() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> load(Map.of("PROXY_CLUSTER", "yes")));
    assertEquals("cluster: 'yes' (expected: true or false) [from PROXY_CLUSTER]", e.getMessage());
  }

  @Test
  void memberListIsTrimmedAndMustNotBeEmpty() throws IOException {
    ProxyConfig c = load(Map.of(), "--cluster-members", " 10.0.0.1:5701 , 10.0.0.2 ,");
    assertEquals(List.of("10.0.0.1:5701", "10.0.0.2"), c.cluster().memberList());
    ConfigException e =
        assertThrows(ConfigException.class, () -> load(Map.of(), "--cluster-members", " , "));
    assertTrue(
        e.getMessage().startsWith("clusterMembers: ' , ' (expected: host[:port]"), e.getMessage());
  }

  @Test
  void badNamesAndPortsAreRefused() {
    assertThrows(ConfigException.class, () -> load(Map.of(), "--cluster-name", "a b"));
    ConfigException port =
        assertThrows(ConfigException.class, () -> load(Map.of(), "--cluster-port", "0"));
    assertEquals(
        "clusterPort: 0 (expected: >= 1 and <= 65535) [from --cluster-port]", port.getMessage());
    assertThrows(ConfigException.class, () -> load(Map.of(), "--event-bus-port", "70000"));
  }
}
