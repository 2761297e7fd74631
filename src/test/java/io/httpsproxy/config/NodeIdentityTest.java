package io.httpsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class NodeIdentityTest {
  private static ProxyConfig config(JsonObject j) {
    return ProxyConfig.fromJson(j);
  }

  @Test
  void defaultsToTheHostNameWithoutAPublicHost() {
    ProxyConfig c = ProxyConfig.defaults();

    assertEquals(NodeIdentity.HostName.get(), c.nodeName());
    assertEquals("", c.toJson().getString("nodeName"), "the file format keeps 'derived'");
    assertTrue(!c.nodeName().isEmpty());
  }

  @Test
  void defaultsToPublicHostAndPortWhenAPublicHostIsSet() {
    JsonObject j = new JsonObject().put("clusterPublicHost", "proxy2").put("port", 8888);

    assertEquals("proxy2:8888", config(j).nodeName());
    assertEquals(
        "10.0.0.7:3128",
        config(new JsonObject().put("clusterPublicHost", " 10.0.0.7 ").put("port", 3128))
            .nodeName());
    assertEquals(
        "proxy2", config(j.copy().put("port", 0)).nodeName(), "a port picked at start is no name");
  }

  @Test
  void aConfiguredNameWinsAndSurvivesTheFileFormat() {
    for (String name : new String[] {"edge-1", "p1", "eu-west-1.proxy_3", "10.0.0.1:8888", "a"}) {
      ProxyConfig c = config(new JsonObject().put("nodeName", name).put("clusterPublicHost", "x"));

      assertEquals(name, c.nodeName());
      assertEquals(c, ProxyConfig.fromJson(c.toJson()));
    }
  }

  @Test
  void theDerivedNameFollowsPortAndPublicHostInACopy() {
    ProxyConfig c = config(new JsonObject().put("clusterPublicHost", "proxy1").put("port", 8881));

    assertEquals("proxy1:8882", c.with(new JsonObject().put("port", 8882)).nodeName());
  }

  @Test
  void blankMeansDerived() {
    assertEquals(
        NodeIdentity.HostName.get(), config(new JsonObject().put("nodeName", "   ")).nodeName());
  }

  @Test
  void refusesUnsafeCharactersNamingTheSettingAndWhatIsExpected() {
    for (String bad :
        new String[] {"edge 1", "edge/1", "node\"1", "node{1}", "nöde", "a,b", "x\ny", "<b>"}) {
      ConfigException e =
          assertThrows(
              ConfigException.class, () -> config(new JsonObject().put("nodeName", bad)), bad);

      assertEquals(
          "nodeName: '" + bad + "' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
          e.getMessage());
    }
  }

  @Test
  void refusesNamesLongerThan64() {
    String max = "n".repeat(64);
    assertEquals(max, config(new JsonObject().put("nodeName", max)).nodeName());

    for (int len : new int[] {65, 100, 300}) {
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () -> config(new JsonObject().put("nodeName", "n".repeat(len))));
      assertTrue(e.getMessage().startsWith("nodeName: 'nnn"), e.getMessage());
      assertTrue(e.getMessage().contains("1 to 64"), e.getMessage());
    }
  }

  @Test
  void anUnusableDerivedNameSaysWhereItCameFromAndToSetNodeName() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> config(new JsonObject().put("clusterPublicHost", "[fd00::1]")));

    assertEquals(
        "nodeName: '[fd00::1]:8888' from clusterPublicHost (expected: 1 to 64 letters, digits,"
            + " '.', '_', ':' or '-'; set nodeName to one)",
        e.getMessage());
  }

  @Test
  void refusesANonStringInTheFile() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> config(new JsonObject().put("nodeName", 7)));

    assertTrue(e.getMessage().startsWith("nodeName: 7"), e.getMessage());
  }

  @Test
  void theDefaultRuleTakesTheHostNameOnlyWithoutAPublicHost() {
    assertEquals("box", NodeIdentity.defaultName("", 8888, "box"));
    assertEquals("pub:8888", NodeIdentity.defaultName("pub", 8888, "box"));
    assertEquals("pub", NodeIdentity.defaultName("pub", 0, "box"));
  }
}
