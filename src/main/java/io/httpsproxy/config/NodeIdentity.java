package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * What a node calls itself: the one name in its metrics' {@code node} label, its access log, its
 * {@code /stats}, the keys of {@code /stats?scope=cluster}, the dashboard and its log lines. Stable
 * across restarts (a restarted node keeps its series, Grafana variable and alerts); unique in a
 * cluster (a second live member with the same name refuses to join, see {@code cluster.NameGuard}).
 * Read at start-up only.
 *
 * @param configured the {@code nodeName} setting as given; empty = derive it (what the file and
 *     {@code toJson} hold, so the shipped conf/proxy.json stays machine-independent)
 * @param nodeName the name in force: {@code configured}, or, when that is empty, {@code
 *     clusterPublicHost:port} when a public host is set (docker, NAT: the name other nodes know it
 *     by) and else the host name
 */
public record NodeIdentity(String configured, String nodeName) {
  /** Empty: derived, see {@link #defaultName}. */
  public static final String DEFAULT_NODE_NAME = "";

  /** Long enough for an FQDN-style name plus a port, short enough for a label and a table cell. */
  public static final int MAX_NAME_LENGTH = 64;

  /** Safe in a Prometheus label, a log field, a JSON key, a URL and HTML without escaping. */
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]+");

  private static final String EXPECTED =
      "1 to " + MAX_NAME_LENGTH + " letters, digits, '.', '_', ':' or '-'";

  public NodeIdentity {
    configured = configured == null ? "" : configured.trim();
    checkName(nodeName, configured.isEmpty() ? " (derived)" : "");
  }

  static NodeIdentity fromJson(JsonObject j) {
    String configured = JsonFields.string(j, "nodeName", DEFAULT_NODE_NAME).trim();
    if (!configured.isEmpty()) {
      return new NodeIdentity(configured, configured);
    }
    String publicHost = JsonFields.string(j, "clusterPublicHost", "").trim();
    int port = JsonFields.integer(j, "port", ProxyConfig.DEFAULT_PORT);
    String derived = defaultName(publicHost, port, HostName.get());
    checkName(derived, publicHost.isEmpty() ? " from the host name" : " from clusterPublicHost");
    return new NodeIdentity("", derived);
  }

  /**
   * {@code publicHost:port} when a public host is set (just the host for port 0), else {@code
   * host}.
   */
  static String defaultName(String publicHost, int port, String hostName) {
    if (publicHost.isEmpty()) {
      return hostName;
    }
    return port > 0 ? publicHost + ":" + port : publicHost;
  }

  private static void checkName(String name, String origin) {
    if (name == null || name.length() > MAX_NAME_LENGTH || !SAFE.matcher(name).matches()) {
      String hint = origin.isEmpty() ? EXPECTED : EXPECTED + "; set nodeName to one";
      throw new ConfigException(
          "nodeName: "
              + (name == null ? "null" : "'" + name + "'")
              + origin
              + " (expected: "
              + hint
              + ")");
    }
  }

  void putInto(JsonObject j) {
    j.put("nodeName", configured);
  }

  /** The machine's host name, read once: the kernel's (no DNS lookup), else Java's. */
  static final class HostName {
    private static final String NAME = read();

    private HostName() {}

    static String get() {
      return NAME;
    }

    private static String read() {
      try {
        String k = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        if (!k.isEmpty()) {
          return k;
        }
      } catch (IOException | RuntimeException e) {
        // not Linux: ask Java
      }
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "localhost";
      }
    }
  }
}
