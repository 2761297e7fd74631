package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.BackgroundTraffic;
import io.httpsproxy.testing.HeadlessChromium;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The built-in dashboard in a real headless Chromium, against a real proxy node and HTTPS upstream
 * on loopback: the page loads with no console error, failed load or CSP violation, and its numbers
 * move while traffic flows. Leaves a screenshot at target/dashboard.png.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DashboardIT {
  static final Path SCREENSHOT = Path.of("target", "dashboard.png");

  @Test
  void dashboardShowsLiveNumbersWithoutConsoleErrors() throws Exception {
    Tools.require(Files.isExecutable(HeadlessChromium.BINARY), "needs the Debian package chromium");
    TestCa ca = TestCa.create("dashboard-it");
    try (HttpsUpstream upstream = HttpsUpstream.https(ca.issue("localhost"));
        ProxyHarness proxy =
            ProxyHarness.start(ProxyFixture.baseConfig(ca, null).put("workers", 4));
        HeadlessChromium chromium = HeadlessChromium.start(1280, 1000)) {
      chromium.navigate("http://127.0.0.1:" + proxy.node().adminPort() + "/dashboard");
      await(() -> chromium.text("#status").startsWith("updated"), chromium);
      assertEquals("0", chromium.text("#total-requests"));

      try (BackgroundTraffic traffic = BackgroundTraffic.start(proxy.client(), upstream, 40)) {
        await(() -> number(chromium.text("#total-requests")) >= 20, chromium);
        long first = number(chromium.text("#total-requests"));
        await(() -> number(chromium.text("#total-requests")) > first, chromium);
        await(() -> chromium.text("#p99").endsWith(" ms"), chromium);
        // The test traffic includes calls to a closed port: upstream failures, not refusals.
        await(() -> number(chromium.text("#upstream-failed")) > 0, chromium);
        assertEquals("0", chromium.text("#refused"));
        assertTrue(Double.parseDouble(chromium.text("#rps")) > 0, chromium.text("#rps"));
      }
      assertEquals("9", chromium.eval("document.querySelectorAll('.charts canvas').length"));
      assertTrue(Long.parseLong(cellOfSelf(chromium, "served")) > 0, "served by the one node");
      assertEquals(
          cellOfSelf(chromium, "entered"), chromium.text("#total-requests"), "all entered here");
      assertTrue(chromium.text("#readiness").endsWith(" ready"), chromium.text("#readiness"));
      assertTrue(chromium.text("#readiness").contains("(config v1)"), chromium.text("#readiness"));
      assertTrue(chromium.text("#by-type").contains("UPSTREAM_REFUSED"), chromium.text("#by-type"));
      chromium.screenshot(SCREENSHOT);
      assertEquals(List.of(), chromium.errors(), chromium.log());
    }
  }

  private static String cellOfSelf(HeadlessChromium chromium, String column) {
    return chromium.text("#nodes tbody tr td." + column);
  }

  /** A number tile of the page; -1 while it shows "-". */
  static long number(String s) {
    return s == null || s.equals("-") ? -1 : Long.parseLong(s);
  }

  /** Waits up to 20 s for the page to get there; fails with its errors and text otherwise. */
  static void await(BooleanSupplier condition, HeadlessChromium chromium)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "page did not get there within 20 s; errors "
                + chromium.errors()
                + "; body "
                + chromium.eval("document.body.innerText"));
      }
      Thread.sleep(200);
    }
  }
}
