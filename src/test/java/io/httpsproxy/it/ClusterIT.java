package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.PromText;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three real JVMs from the built jar form one Hazelcast cluster on 127.0.0.1: work entering node 1
 * is served by the workers of all three, cluster statistics add up, every node is known by its
 * nodeName (stats keys, metrics labels, API answers) also after a restart, a second node with a
 * taken name refuses to join, and a node stopped with SIGTERM leaves while the others keep serving.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static final int REQUESTS = 300;

  private static HttpsUpstream upstream;
  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    TestCa ca = TestCa.create("cluster-it");
    upstream = HttpsUpstream.https(ca.issue("localhost"));
    cluster = new LocalCluster(3, "--ca-file", ca.caPem().toString(), "--workers", "16");
    cluster.start(0);
    cluster.start(1);
    long thirdJoinMs = cluster.start(2);
    System.out.println(
        "third node: process start to listening in a 3-node cluster: " + thirdJoinMs + " ms");
    cluster.awaitMembers(0, 3, Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  @Order(1)
  void requestsEnteringOneNodeAreServedByAllThree() throws Exception {
    Map<String, Integer> servedBy = fetchMany(0, REQUESTS);

    assertEquals(Set.of("node1", "node2", "node3"), servedBy.keySet(), servedBy.toString());
    for (Map.Entry<String, Integer> e : servedBy.entrySet()) {
      assertTrue(e.getValue() >= REQUESTS / 4, "node " + e.getKey() + " served " + servedBy);
    }
    assertEquals(REQUESTS, upstream.count("/echo"));
    System.out.println("spread of " + REQUESTS + " requests sent to node 1: " + servedBy);
  }

  @Test
  @Order(1)
  void aClusteredStartLogsMembershipNotHazelcastsBanner() {
    for (int i = 0; i < 3; i++) {
      String log = cluster.node(i).log();
      assertTrue(log.contains("Members {size:3"), "node " + i + " logs the member list:\n" + log);
      assertTrue(log.contains("is STARTED"), "node " + i + " logs its lifecycle");
      for (String noise : new String[] {"o----o", "UNSAFE mode", "Jet engine", "Copyright"}) {
        assertTrue(!log.contains(noise), "node " + i + " logs '" + noise + "'");
      }
      long hazelcastLines = log.lines().filter(l -> l.contains(" c.h.")).count();
      assertTrue(hazelcastLines < 15, "node " + i + ": " + hazelcastLines + " Hazelcast lines");
    }
  }

  @Test
  @Order(2)
  void clusterStatisticsListEveryNodeAndAddUp() throws Exception {
    JsonObject all = clusterStats(1);
    assertEquals(3, all.getInteger("nodeCount"));
    JsonObject sum = all.getJsonObject("sum");
    long total = 0;
    long calls = 0;
    for (String id : all.getJsonObject("nodes").fieldNames()) {
      JsonObject node = all.getJsonObject("nodes").getJsonObject(id);
      total += node.getJsonObject("requests").getLong("total");
      calls += node.getJsonObject("upstream").getLong("calls");
    }
    assertEquals(total, sum.getJsonObject("requests").getLong("total"));
    assertEquals(calls, sum.getJsonObject("upstream").getLong("calls"));
    assertEquals(REQUESTS, sum.getJsonObject("upstream").getLong("calls"));
    assertEquals(REQUESTS, sum.getJsonObject("requests").getLong("success"));
  }

  @Test
  @Order(2)
  void statsKeysAndMetricLabelsAreTheConfiguredNodeNames() throws Exception {
    assertNamedAsConfigured();
  }

  @Test
  @Order(2)
  void aJoinerWithATakenNodeNameRefusesAndSaysWhy() throws Exception {
    try (JarProcess twin = cluster.startJoiner("node2")) {
      JarProcess.Finished f = twin.finish(Duration.ofSeconds(60));

      assertEquals(2, f.exitCode(), f.describe());
      assertTrue(
          f.stderr().contains("nodeName: 'node2' is already the name of the live member at"),
          f.describe());
      assertTrue(!f.output().contains("listening on"), f.describe());
    }
    cluster.awaitMembers(0, 3, Duration.ofSeconds(15));
    assertEquals(
        Set.of("node1", "node2", "node3"), clusterStats(0).getJsonObject("nodes").fieldNames());
  }

  @Test
  @Order(3)
  void aNodeStoppedWithSigtermLeavesAndTheOthersKeepServing() throws Exception {
    JarProcess third = cluster.node(2);
    third.sigterm();
    assertEquals(0, third.finish(Duration.ofSeconds(30)).exitCode());
    cluster.awaitMembers(0, 2, Duration.ofSeconds(15));

    Map<String, Integer> servedBy = fetchMany(0, 40);

    assertEquals(Set.of("node1", "node2"), servedBy.keySet(), servedBy.toString());
    assertEquals(40, servedBy.values().stream().mapToInt(Integer::intValue).sum());
  }

  @Test
  @Order(4)
  void aRestartedNodeComesBackUnderTheSameName() throws Exception {
    cluster.start(2);
    cluster.awaitMembers(0, 3, Duration.ofSeconds(30));

    assertNamedAsConfigured();
    assertEquals(Set.of("node1", "node2", "node3"), fetchMany(0, 48).keySet());
  }

  /**
   * {@code /stats?scope=cluster} on every node is keyed by node1..node3 (self its own), and each
   * node's metrics carry its own name as the {@code node} label and no other.
   */
  private static void assertNamedAsConfigured() throws Exception {
    for (int i = 0; i < 3; i++) {
      JsonObject all = clusterStats(i);
      assertEquals(Set.of("node1", "node2", "node3"), all.getJsonObject("nodes").fieldNames());
      assertEquals(LocalCluster.name(i), all.getString("self"));
      JsonObject mine = all.getJsonObject("nodes").getJsonObject(LocalCluster.name(i));
      assertEquals(LocalCluster.name(i), mine.getString("node"));
      PromText metrics = PromText.parse(cluster.metrics(i));
      Set<String> labels = new TreeSet<>();
      metrics.samples().forEach(m -> labels.add(m.labels().get("node")));
      assertEquals(Set.of(LocalCluster.name(i)), labels, "node labels of node " + i);
      assertEquals(
          1.0, metrics.value("proxy_build_info", "node", LocalCluster.name(i)), "build info");
    }
  }

  /** Sends {@code n} JSON API requests to node {@code i}, 8 at a time; counts the serving nodes. */
  private static Map<String, Integer> fetchMany(int i, int n) throws Exception {
    Map<String, Integer> servedBy = new TreeMap<>();
    for (int done = 0; done < n; done += 8) {
      List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
      for (int k = 0; k < Math.min(8, n - done); k++) {
        batch.add(cluster.fetch(i, "GET", upstream.url("/echo")));
      }
      for (CompletableFuture<HttpResponse<String>> f : batch) {
        HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject json = new JsonObject(r.body());
        assertEquals(200, json.getInteger("status"));
        servedBy.merge(json.getString("node"), 1, Integer::sum);
      }
    }
    return servedBy;
  }

  private static JsonObject clusterStats(int i) throws Exception {
    return cluster.clusterStats(i);
  }
}
