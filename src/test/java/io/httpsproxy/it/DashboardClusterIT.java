package io.httpsproxy.it;

import static io.httpsproxy.it.DashboardIT.await;
import static io.httpsproxy.it.DashboardIT.number;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * The dashboard of one node of a real two-JVM cluster, in headless Chromium: it lists both nodes as
 * ready, counts requests that entered the other node (it reads {@code /stats?scope=cluster}), and
 * shows a node that stops as gone. Leaves a screenshot at target/dashboard-cluster.png.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardClusterIT {

  @Test
  void oneNodesDashboardShowsTheWholeCluster() throws Exception {
    Tools.require(Files.isExecutable(HeadlessChromium.BINARY), "needs the Debian package chromium");
    try (HttpsUpstream upstream = HttpsUpstream.http();
        LocalCluster cluster = new LocalCluster(2, "--workers", "4");
        HeadlessChromium chromium = HeadlessChromium.start(1280, 1000)) {
      cluster.startAll();
      cluster.awaitMembers(0, 2, Duration.ofSeconds(30));

      chromium.navigate("http://127.0.0.1:" + cluster.adminPort(0) + "/dashboard");
      await(() -> chromium.text("#nodes-count").equals("2 nodes"), chromium);
      await(() -> readyNodes(chromium) == 2, chromium);
      await(() -> number(chromium.text("#total-requests")) >= 0, chromium);
      long before = number(chromium.text("#total-requests"));

      // Every request enters node 1; the dashboard is node 0's.
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        sent.add(cluster.fetch(1, "GET", upstream.url("/echo")));
      }
      for (CompletableFuture<HttpResponse<String>> f : sent) {
        assertEquals(200, f.get(30, TimeUnit.SECONDS).statusCode());
      }
      await(() -> number(chromium.text("#total-requests")) >= before + 20, chromium);
      chromium.screenshot(DashboardIT.SCREENSHOT.resolveSibling("dashboard-cluster.png"));

      cluster.node(1).sigterm();
      assertEquals(0, cluster.node(1).finish(Duration.ofSeconds(30)).exitCode());
      await(() -> chromium.text("#nodes-count").equals("1 node"), chromium);
      await(() -> readyNodes(chromium) == 1, chromium);
      assertEquals(List.of(), chromium.errors(), chromium.log());
    }
  }

  private static long readyNodes(HeadlessChromium chromium) {
    return Long.parseLong(
        chromium.eval("String(document.querySelectorAll('#readiness .node.up').length)"));
  }
}
