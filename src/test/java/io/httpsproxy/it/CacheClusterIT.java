package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.CacheOrigin;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each node of a cluster has its own cache, filled where the client is connected even when another
 * node's worker made the upstream call, and consulted before the request is sent anywhere.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CacheClusterIT {
  private static final int URLS = 6;

  private static CacheOrigin origin;
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    origin = new CacheOrigin();
    cluster = new LocalCluster(2, "--cache-enabled", "true");
    cluster.startAll();
    cluster.awaitMembers(0, 2, Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    origin.close();
  }

  private static JsonObject fetch(int via, String path) throws Exception {
    return new JsonObject(
        cluster.fetch(via, "GET", origin.url(path)).get(30, TimeUnit.SECONDS).body());
  }

  @Test
  void missesServedByAnotherNodesWorkerAreStoredWhereTheClientIsAndEachNodeHasItsOwnCache()
      throws Exception {
    Set<String> servedBy = new HashSet<>();
    for (int i = 0; i < URLS; i++) {
      origin.headers("/c/" + i, "Cache-Control", "max-age=600");
      servedBy.add(fetch(0, "/c/" + i).getString("node"));
    }
    for (int i = 0; i < URLS; i++) {
      JsonObject again = fetch(0, "/c/" + i);
      assertEquals("https-proxy; hit", again.getJsonObject("headers").getString("cache-status"));
      assertEquals("/c/" + i + "#1", again.getString("body"));
    }
    JsonObject otherNode = fetch(1, "/c/0");
    JsonObject otherAgain = fetch(1, "/c/0");

    assertTrue(servedBy.size() == 2, "the misses ran on both nodes' workers: " + servedBy);
    for (int i = 0; i < URLS; i++) {
      assertEquals(i == 0 ? 2 : 1, origin.count("/c/" + i), "/c/" + i);
    }
    assertEquals("/c/0#2", otherNode.getString("body"), "node 1 has its own cache");
    assertEquals("https-proxy; hit", otherAgain.getJsonObject("headers").getString("cache-status"));
  }
}
