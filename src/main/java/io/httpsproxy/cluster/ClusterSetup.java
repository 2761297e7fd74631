package io.httpsproxy.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.httpsproxy.config.ClusterConfig;
import io.httpsproxy.config.ConfigException;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Builds the Hazelcast cluster manager and event-bus options of a clustered node from its typed
 * settings. The XML (conf/cluster.xml, or the copy bundled in the jar) holds what does not change
 * per node; the member list, name, port, bind address and public address come from the settings.
 */
public final class ClusterSetup {
  static final String DEFAULT_FILE = "conf/cluster.xml";
  static final String BUNDLED = "/https-proxy/cluster.xml";
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:]+");

  private ClusterSetup() {}

  /**
   * The cluster manager of a member called {@code nodeName}: the name travels as a member
   * attribute, so every member can name the others in its stats and logs (and refuse a duplicate).
   */
  public static HazelcastClusterManager clusterManager(ClusterConfig c, String nodeName) {
    // Hazelcast reads its logging choice from a system property before any config.
    System.setProperty("hazelcast.logging.type", "slf4j");
    Config hz = load(c);
    if (IP_LITERAL.matcher(c.host()).matches()) {
      if (!c.host().equals("0.0.0.0")) {
        hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(c.host());
      }
    } else {
      hz.setProperty("hazelcast.local.localAddress", c.host());
    }
    if (!c.publicHost().isEmpty()) {
      hz.getNetworkConfig().setPublicAddress(c.publicHost() + ":" + c.port());
    }
    hz.getMemberAttributeConfig().setAttribute(NodeDirectory.NODE_NAME, nodeName);
    return new HazelcastClusterManager(hz);
  }

  public static EventBusOptions eventBus(ClusterConfig c) {
    EventBusOptions o = new EventBusOptions().setHost(c.host()).setPort(c.eventBusPort());
    if (!c.publicHost().isEmpty()) {
      o.setClusterPublicHost(c.publicHost());
    }
    return o;
  }

  private static Config load(ClusterConfig c) {
    Properties props = new Properties();
    props.setProperty("proxy.cluster.name", c.name());
    props.setProperty("proxy.cluster.port", String.valueOf(c.port()));
    props.setProperty("proxy.cluster.members", String.join(",", c.memberList()));
    try (InputStream in = open(c)) {
      return new XmlConfigBuilder(in).setProperties(props).build();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(
          "clusterConfig: " + describe(c) + " is not a valid Hazelcast XML: " + e.getMessage());
    }
  }

  private static InputStream open(ClusterConfig c) throws IOException {
    Path file = Path.of(c.configFile().isEmpty() ? DEFAULT_FILE : c.configFile());
    if (Files.isReadable(file)) {
      return Files.newInputStream(file);
    }
    if (!c.configFile().isEmpty()) {
      throw new ConfigException(
          "clusterConfig: '" + file + "' (expected: a readable Hazelcast XML file)");
    }
    InputStream bundled = ClusterSetup.class.getResourceAsStream(BUNDLED);
    if (bundled == null) {
      throw new ConfigException(
          "clusterConfig: no " + DEFAULT_FILE + " and no bundled copy in the jar");
    }
    return bundled;
  }

  private static String describe(ClusterConfig c) {
    return c.configFile().isEmpty()
        ? "'" + DEFAULT_FILE + "' or the bundled copy"
        : "'" + c.configFile() + "'";
  }
}
