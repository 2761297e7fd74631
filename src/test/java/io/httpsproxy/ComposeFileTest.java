package io.httpsproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.AdminListener;
import io.httpsproxy.config.ConfigLoader;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.config.ServeCommand;
import io.httpsproxy.config.Setting;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml is valid for Debian's docker-compose (there is no engine here to run it), and
 * it matches what the application expects: real setting names, a member list naming every node,
 * published proxy ports, and Prometheus scraping every node's /metrics.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ComposeFileTest {
  private static final List<String> NODES = List.of("node1", "node2", "node3");
  private static Map<String, Object> services;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void validateWithDockerCompose() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config")
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("GRAFANA_ADMIN_PASSWORD", "from-the-environment");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "docker-compose config failed:\n" + out);
    services = (Map<String, Object>) ((Map<String, Object>) new Yaml().load(out)).get("services");
  }

  @Test
  void threeProxyNodesPrometheusAndGrafana() {
    assertEquals(
        new TreeSet<>(List.of("node1", "node2", "node3", "prometheus", "grafana")),
        new TreeSet<>(services.keySet()));
  }

  @Test
  void everyNodeVariableIsARealSettingWithAValidValue() {
    Set<String> known =
        Arrays.stream(Setting.values()).map(Setting::env).collect(Collectors.toSet());
    for (String node : NODES) {
      Map<String, String> env = env(node);
      for (String name : env.keySet()) {
        assertTrue(known.contains(name), node + ": " + name + " is not a setting");
      }
      ProxyConfig config =
          ConfigLoader.load(ServeCommand.create().parseArgs("--config", "conf/proxy.json"), env);
      assertTrue(config.cluster().enabled(), node);
      assertEquals(node, config.cluster().host(), node);
      assertEquals(node, config.nodeName(), node);
      // Reachable from Prometheus's container; published on the host's loopback only (below).
      assertEquals("0.0.0.0", config.admin().host(), node);
      assertEquals(false, config.admin().onProxyPort(), node);
    }
  }

  @Test
  void theMemberListNamesEveryNodeAtItsClusterPort() {
    for (String node : NODES) {
      List<String> members = Arrays.asList(env(node).get("PROXY_CLUSTER_MEMBERS").split(","));
      List<String> expected = new ArrayList<>();
      for (String other : NODES) {
        expected.add(other + ":" + env(other).get("PROXY_CLUSTER_PORT"));
      }
      assertEquals(expected, members, node);
    }
  }

  /** A published port as docker-compose prints it: "HOST_IP:PUBLISHED:TARGET/tcp" or a map. */
  private record Published(String hostIp, int published, int target) {
    @SuppressWarnings("unchecked")
    static Published of(Object raw) {
      if (raw instanceof Map<?, ?> m) {
        Map<String, Object> map = (Map<String, Object>) m;
        return new Published(
            String.valueOf(map.getOrDefault("host_ip", "")),
            ((Number) map.get("published")).intValue(),
            ((Number) map.get("target")).intValue());
      }
      String[] parts = String.valueOf(raw).replace("/tcp", "").split(":");
      return parts.length == 3
          ? new Published(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]))
          : new Published("", Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Published> ports(String service) {
    return ((List<Object>) service(service).get("ports")).stream().map(Published::of).toList();
  }

  @Test
  void eachNodePublishesItsProxyPortAndItsAdminPort() {
    Set<Integer> published = new TreeSet<>();
    for (String node : NODES) {
      List<Published> ports = ports(node);
      assertEquals(2, ports.size(), node);
      assertEquals(proxyPort(node), ports.get(0).target(), node);
      assertEquals(adminPort(node), ports.get(1).target(), node);
      published.add(ports.get(0).published());
      published.add(ports.get(1).published());
    }
    assertEquals(6, published.size(), "each node needs its own host ports");
  }

  private static int proxyPort(String node) {
    return Integer.parseInt(
        env(node).getOrDefault("PROXY_PORT", String.valueOf(ProxyConfig.DEFAULT_PORT)));
  }

  private static int adminPort(String node) {
    return Integer.parseInt(
        env(node).getOrDefault("PROXY_ADMIN_PORT", String.valueOf(AdminListener.DEFAULT_PORT)));
  }

  @Test
  void everyPortIsPublishedOnLoopbackOnly() {
    for (String service : services.keySet()) {
      for (Published p : ports(service)) {
        assertEquals("127.0.0.1", p.hostIp(), service + " publishes " + p + " beyond this host");
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void nodesAreCheckedOnReadyAndNotRestartedForeverAfterABadConfig() {
    for (String node : NODES) {
      Map<String, Object> health = (Map<String, Object>) service(node).get("healthcheck");
      String test = String.valueOf(health.get("test"));
      assertTrue(test.contains("GET /ready"), node + ": " + health);
      assertTrue(test.contains("/dev/tcp/127.0.0.1/" + adminPort(node) + " "), node + ": " + test);
      String restart = String.valueOf(service(node).get("restart"));
      assertTrue(restart.startsWith("on-failure:"), node + " restart: " + restart);
    }
  }

  @Test
  void grafanasPasswordComesFromTheEnvironmentAndComposeRefusesToRunWithoutIt() throws Exception {
    Map<String, String> env = env("grafana");
    assertEquals("from-the-environment", env.get("GF_SECURITY_ADMIN_PASSWORD"));
    ProcessBuilder pb =
        new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config", "-q")
            .redirectErrorStream(true);
    pb.environment().remove("GRAFANA_ADMIN_PASSWORD");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertTrue(p.exitValue() != 0, out);
    assertTrue(out.contains("GRAFANA_ADMIN_PASSWORD"), out);
  }

  @Test
  void theImageBuildNeverSeesCredentialsOrTheBuildOutput() throws IOException {
    List<String> ignored = Files.readAllLines(Path.of(".dockerignore"));
    for (String must : List.of("conf/credentials", "target", ".git")) {
      assertTrue(ignored.contains(must), ".dockerignore lacks " + must);
    }
    assertTrue(Files.readAllLines(Path.of(".gitignore")).contains("conf/credentials"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void prometheusScrapesEveryNodesMetrics() throws IOException {
    Map<String, Object> prom =
        new Yaml().load(Files.readString(Path.of("conf/prometheus/prometheus.yml")));
    List<Map<String, Object>> jobs = (List<Map<String, Object>>) prom.get("scrape_configs");
    assertEquals(1, jobs.size());
    assertEquals("/metrics", jobs.get(0).get("metrics_path"));
    List<String> targets =
        (List<String>)
            ((List<Map<String, Object>>) jobs.get(0).get("static_configs")).get(0).get("targets");
    List<String> expected = new ArrayList<>();
    for (String node : NODES) {
      expected.add(node + ":" + adminPort(node)); // /metrics is on the admin listener
    }
    assertEquals(expected, targets);
    List<String> mounts = (List<String>) service("prometheus").get("volumes");
    assertTrue(
        mounts.get(0).endsWith("conf/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaHasThePrometheusDatasource() throws IOException {
    Map<String, Object> ds =
        new Yaml()
            .load(
                Files.readString(Path.of("conf/grafana/provisioning/datasources/prometheus.yml")));
    Map<String, Object> first = ((List<Map<String, Object>>) ds.get("datasources")).get(0);
    assertEquals("prometheus", first.get("type"));
    assertEquals("http://prometheus:" + ports("prometheus").get(0).target(), first.get("url"));
    assertNotNull(service("grafana").get("volumes"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaProvisionsTheDashboardFromTheMountedDirectory() throws IOException {
    Map<String, Object> provider =
        ((List<Map<String, Object>>)
                ((Map<String, Object>)
                        new Yaml()
                            .load(
                                Files.readString(
                                    Path.of(
                                        "conf/grafana/provisioning/dashboards/https-proxy.yml"))))
                    .get("providers"))
            .get(0);
    assertEquals("file", provider.get("type"));
    String path = (String) ((Map<String, Object>) provider.get("options")).get("path");
    List<String> mounts = (List<String>) service("grafana").get("volumes");
    assertTrue(
        mounts.stream().anyMatch(m -> m.endsWith("conf/grafana/dashboards:" + path + ":ro")),
        mounts + " should mount conf/grafana/dashboards at " + path);
    assertTrue(
        mounts.stream()
            .anyMatch(m -> m.endsWith("conf/grafana/provisioning:/etc/grafana/provisioning:ro")),
        mounts.toString());

    Map<String, Object> ds =
        ((List<Map<String, Object>>)
                ((Map<String, Object>)
                        new Yaml()
                            .load(
                                Files.readString(
                                    Path.of(
                                        "conf/grafana/provisioning/datasources/prometheus.yml"))))
                    .get("datasources"))
            .get(0);
    JsonObject dashboard =
        new JsonObject(Files.readString(Path.of("conf/grafana/dashboards/https-proxy.json")));
    assertEquals("https-proxy", dashboard.getString("uid"));
    for (Object o : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) o;
      assertEquals(
          ds.get("uid"),
          panel.getJsonObject("datasource").getString("uid"),
          panel.getString("title") + " uses the provisioned datasource");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(String name) {
    return (Map<String, Object>) services.get(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> env(String node) {
    Map<String, Object> raw = (Map<String, Object>) service(node).get("environment");
    return raw.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
  }
}
