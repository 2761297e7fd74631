package io.httpsproxy.it;

import static io.httpsproxy.it.DashboardIT.await;
import static io.httpsproxy.it.DashboardIT.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HeadlessChromium;
import io.httpsproxy.testing.HttpsUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard of one node of a real three-JVM cluster, in headless Chromium (issue #16 item 3):
 * requests that all enter one node are shown as entered there and as upstream calls served by all
 * three; a node killed with SIGKILL stays in the table marked lost with the time it left (and its
 * last numbers) instead of vanishing, while the other two keep their served counts. Leaves a
 * screenshot at target/dashboard-cluster.png.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DashboardClusterIT {
  private static final int REQUESTS = 30;

  @Test
  void oneNodesDashboardShowsTheSpreadAndMarksAKilledNodeLost() throws Exception {
    Tools.require(Files.isExecutable(HeadlessChromium.BINARY), "needs the Debian package chromium");
    try (HttpsUpstream upstream = HttpsUpstream.http();
        LocalCluster cluster = new LocalCluster(3, "--workers", "4");
        HeadlessChromium chromium = HeadlessChromium.start(1400, 1400)) {
      cluster.startAll();
      cluster.awaitMembers(0, 3, Duration.ofSeconds(30));

      chromium.navigate("http://127.0.0.1:" + cluster.adminPort(0) + "/dashboard");
      await(() -> chromium.text("#nodes-count").equals("3 nodes"), chromium);
      await(() -> readyNodes(chromium) == 3, chromium);

      // Every request enters node2; the dashboard is node1's; the workers of all three serve.
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        sent.add(cluster.fetch(1, "GET", upstream.url("/echo")));
      }
      for (CompletableFuture<HttpResponse<String>> f : sent) {
        assertEquals(200, f.get(30, TimeUnit.SECONDS).statusCode());
      }
      await(() -> number(cell(chromium, "node2", "entered")) == REQUESTS, chromium);
      await(() -> servedTotal(chromium) == REQUESTS, chromium);
      for (String name : List.of("node1", "node2", "node3")) {
        assertTrue(number(cell(chromium, name, "served")) > 0, name + " served none");
      }
      assertEquals(0, number(cell(chromium, "node1", "entered")));
      assertEquals(0, number(cell(chromium, "node3", "entered")));
      long served1 = number(cell(chromium, "node1", "served"));
      long served2 = number(cell(chromium, "node2", "served"));
      long served3 = number(cell(chromium, "node3", "served"));

      cluster.node(2).sigkill();
      await(() -> chromium.text("#nodes-count").equals("2 nodes"), chromium);
      await(() -> cell(chromium, "node3", "state").startsWith("lost at "), chromium);

      assertEquals("lost", rowClass(chromium, "node3"));
      assertEquals("1 lost", chromium.text("#lost-count"));
      assertEquals(served3, number(cell(chromium, "node3", "served")), "its last numbers stay");
      assertEquals("ready", cell(chromium, "node1", "state"));
      assertEquals("ready", cell(chromium, "node2", "state"));
      assertEquals(served1, number(cell(chromium, "node1", "served")));
      assertEquals(served2, number(cell(chromium, "node2", "served")));
      assertTrue(
          chromium.text("#readiness").contains("node3 lost at "), chromium.text("#readiness"));
      assertEquals(2, readyNodes(chromium));
      chromium.screenshot(DashboardIT.SCREENSHOT.resolveSibling("dashboard-cluster.png"));
      assertEquals(List.of(), chromium.errors(), chromium.log());
    }
  }

  private static String cell(HeadlessChromium chromium, String node, String column) {
    return chromium.text("#nodes tr[data-node=\"" + node + "\"] td." + column);
  }

  private static String rowClass(HeadlessChromium chromium, String node) {
    return chromium.eval(
        "document.querySelector('#nodes tr[data-node=\"" + node + "\"]').className");
  }

  private static long servedTotal(HeadlessChromium chromium) {
    long sum = 0;
    for (String name : List.of("node1", "node2", "node3")) {
      sum += Math.max(0, number(cell(chromium, name, "served")));
    }
    return sum;
  }

  private static long readyNodes(HeadlessChromium chromium) {
    return Long.parseLong(
        chromium.eval("String(document.querySelectorAll('#readiness .node.up').length)"));
  }
}
