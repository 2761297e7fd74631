package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reload of the real jar: SIGHUP on one node, and {@code POST /admin/reload?scope=cluster} on a
 * two-node cluster, each node re-reading its own config file.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReloadIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static HttpsUpstream upstream;

  @BeforeAll
  static void start() {
    upstream = HttpsUpstream.http();
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  private static String target() {
    return "http://localhost:" + upstream.port() + "/echo";
  }

  @Test
  void sighupAppliesTheFileAndAnInvalidFileLeavesTheNodeAsItWas() throws Exception {
    Path dir = JarProcess.workDir();
    Path config = dir.resolve(JarProcess.EMPTY_CONFIG);
    try (JarProcess node = JarProcess.start(dir, Map.of(), JarProcess.nodeArgs(dir))) {
      int port = node.awaitListening(Duration.ofSeconds(60));
      int admin = node.awaitAdminPort(Duration.ofSeconds(5));
      assertEquals(200, fetch(port, target()));

      // allowDestinations is a flag here (it wins over the file); the deny list is the file's.
      Files.writeString(config, "{ \"denyDestinations\": [\"localhost\"] }");
      node.signal("HUP");
      node.awaitOutput(
          Pattern.compile("reload \\(SIGHUP\\): applied denyDestinations; config version 2"),
          Duration.ofSeconds(10));
      assertEquals(403, fetch(port, target()));

      Files.writeString(config, "{ \"denyDestinations\": [\"localhost\"], \"workers\": 0 }");
      node.signal("HUP");
      node.awaitOutput(
          Pattern.compile(
              "reload \\(SIGHUP\\) refused, config version 2 stays: workers: 0 \\(expected: >= 1"),
          Duration.ofSeconds(10));
      assertTrue(node.isAlive());
      assertEquals(403, fetch(port, target()));
      assertEquals(2, stats(admin).getJsonObject("config").getInteger("version"));

      node.sigterm();
      assertEquals(0, node.finish(Duration.ofSeconds(30)).exitCode());
    }
  }

  @Test
  void aClusterWideReloadReachesEveryNodeAndSaysWhatEachDid() throws Exception {
    try (LocalCluster cluster = new LocalCluster(2)) {
      cluster.startAll();
      cluster.awaitMembers(0, 2, Duration.ofSeconds(30));
      assertEquals(200, cluster.fetch(1, "GET", target()).get().statusCode());

      String deny = "{ \"denyDestinations\": [\"localhost\"], \"queueSize\": 77 }";
      cluster.writeConfig(0, deny);
      cluster.writeConfig(1, deny);
      HttpResponse<String> r = cluster.post(0, "/admin/reload?scope=cluster");

      assertEquals(200, r.statusCode(), r.body());
      JsonArray nodes = new JsonObject(r.body()).getJsonArray("nodes");
      assertEquals(2, nodes.size(), r.body());
      Set<String> fingerprints = new HashSet<>();
      for (Object o : nodes) {
        JsonObject n = (JsonObject) o;
        assertEquals("applied", n.getString("status"), r.body());
        assertEquals(2, n.getInteger("configVersion"), r.body());
        assertEquals(
            new JsonArray().add("queueSize").add("denyDestinations"), n.getJsonArray("applied"));
        fingerprints.add(n.getString("fingerprint"));
      }
      assertEquals(1, fingerprints.size(), "both nodes apply the same settings: " + r.body());
      for (int via = 0; via < 2; via++) {
        HttpResponse<String> refused = cluster.fetch(via, "GET", target()).get();
        assertEquals(403, refused.statusCode(), refused.body());
      }
      JsonObject perNode = cluster.clusterStats(1).getJsonObject("nodes");
      assertEquals(2, perNode.size(), perNode.encode());
      for (Map.Entry<String, Object> e : perNode) {
        JsonObject config = ((JsonObject) e.getValue()).getJsonObject("config");
        assertEquals(2, config.getInteger("version"), perNode.encode());
      }

      // One node's file is broken: that node says why, the other applies, and the answer is 400.
      cluster.writeConfig(0, "{ \"queueSize\": 78 }");
      cluster.writeConfig(1, "{ \"queueSize\": ");
      HttpResponse<String> mixed = cluster.post(0, "/admin/reload?scope=cluster");

      assertEquals(400, mixed.statusCode(), mixed.body());
      Map<String, Integer> statuses = new java.util.TreeMap<>();
      for (Object o : new JsonObject(mixed.body()).getJsonArray("nodes")) {
        statuses.merge(((JsonObject) o).getString("status"), 1, Integer::sum);
      }
      assertEquals(Map.of("applied", 1, "invalid", 1), statuses, mixed.body());
    }
  }

  @Test
  void underNohupSighupStaysIgnoredTheNodeSaysSoAndTheEndpointStillReloads() throws Exception {
    Path dir = JarProcess.workDir();
    Path config = dir.resolve(JarProcess.EMPTY_CONFIG);
    try (JarProcess node =
        JarProcess.startIgnoring("HUP", dir, Map.of(), JarProcess.nodeArgs(dir))) {
      int port = node.awaitListening(Duration.ofSeconds(60));
      int admin = node.awaitAdminPort(Duration.ofSeconds(5));
      node.awaitOutput(
          Pattern.compile(
              "SIGHUP was ignored by the process that started this node \\(nohup\\?\\) and stays"
                  + " ignored: reload with POST /admin/reload instead"),
          Duration.ofSeconds(10));

      Files.writeString(config, "{ \"denyDestinations\": [\"localhost\"] }");
      node.signal("HUP");
      assertEquals(200, fetch(port, target())); // a later request: the signal changed nothing
      assertTrue(node.isAlive());
      assertEquals(1, stats(admin).getJsonObject("config").getInteger("version"));

      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/admin/reload"))
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(403, fetch(port, target()));

      node.sigterm();
      assertEquals(0, node.finish(Duration.ofSeconds(30)).exitCode());
    }
  }

  private static int fetch(int port, String url) throws IOException, InterruptedException {
    String body = new JsonObject().put("url", url).encode();
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/fetch"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  /** GET /stats on the admin port {@code adminPort}. */
  private static JsonObject stats(int adminPort) throws IOException, InterruptedException {
    return new JsonObject(
        HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/stats"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body());
  }
}
