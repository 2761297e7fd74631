package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;

/**
 * Cluster settings (flat keys in the config file, like every other setting). Without {@code
 * cluster=true} none of this is used and the node runs on the local event bus.
 */
public record ClusterConfig(
    boolean enabled,
    String name,
    String members,
    String host,
    int port,
    String publicHost,
    int eventBusPort,
    String configFile) {

  public static final boolean DEFAULT_ENABLED = false;
  public static final String DEFAULT_NAME = "https-proxy";
  public static final String DEFAULT_MEMBERS = "127.0.0.1";
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5701;
  public static final String DEFAULT_PUBLIC_HOST = "";
  public static final int DEFAULT_EVENT_BUS_PORT = 0;
  public static final String DEFAULT_CONFIG_FILE = "";

  public ClusterConfig {
    if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
      throw ConfigException.invalid("clusterName", name, "letters, digits, '.', '_' or '-'");
    }
    if (memberList(members).isEmpty()) {
      throw ConfigException.invalid("clusterMembers", members, "host[:port][,host[:port]...]");
    }
    if (host == null || host.isBlank()) {
      throw ConfigException.invalid("clusterHost", host, "an address, e.g. 127.0.0.1");
    }
    if (port < 1 || port > 65535) {
      throw ConfigException.invalid("clusterPort", port, ">= 1 and <= 65535");
    }
    if (eventBusPort < 0 || eventBusPort > 65535) {
      throw ConfigException.invalid("eventBusPort", eventBusPort, ">= 0 and <= 65535");
    }
    publicHost = publicHost == null ? "" : publicHost.trim();
    configFile = configFile == null ? "" : configFile.trim();
  }

  static ClusterConfig fromJson(JsonObject j) {
    Object enabled = j.getValue("cluster", DEFAULT_ENABLED);
    if (!(enabled instanceof Boolean b)) {
      throw ConfigException.invalid("cluster", enabled, "true or false");
    }
    return new ClusterConfig(
        b,
        JsonFields.string(j, "clusterName", DEFAULT_NAME),
        JsonFields.string(j, "clusterMembers", DEFAULT_MEMBERS),
        JsonFields.string(j, "clusterHost", DEFAULT_HOST),
        JsonFields.integer(j, "clusterPort", DEFAULT_PORT),
        JsonFields.string(j, "clusterPublicHost", DEFAULT_PUBLIC_HOST),
        JsonFields.integer(j, "eventBusPort", DEFAULT_EVENT_BUS_PORT),
        JsonFields.string(j, "clusterConfig", DEFAULT_CONFIG_FILE));
  }

  void putInto(JsonObject j) {
    j.put("cluster", enabled)
        .put("clusterName", name)
        .put("clusterMembers", members)
        .put("clusterHost", host)
        .put("clusterPort", port)
        .put("clusterPublicHost", publicHost)
        .put("eventBusPort", eventBusPort)
        .put("clusterConfig", configFile);
  }

  /** The join list as Hazelcast wants it: trimmed, non-empty entries. */
  public List<String> memberList() {
    return memberList(members);
  }

  private static List<String> memberList(String members) {
    if (members == null) {
      return List.of();
    }
    return Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
  }

  /** The Hazelcast and event-bus ports this node listens on; none when not clustered. */
  public java.util.Set<Integer> ownPorts() {
    if (!enabled) {
      return java.util.Set.of();
    }
    return eventBusPort > 0 && eventBusPort != port
        ? java.util.Set.of(port, eventBusPort)
        : java.util.Set.of(port);
  }
}
