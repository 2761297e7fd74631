package io.httpsproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.ProxyNode;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Outcome;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.PromText;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /metrics} against {@code /stats} and the snapshot the periodic log prints, after a known
 * mix of requests: the three read the same counters, so they agree number for number.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsTest {
  private static HttpsUpstream https;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() throws Exception {
    TestCa ca = TestCa.create("metrics-test");
    https = HttpsUpstream.https(ca.issue("localhost"));
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(ca, null)
                .put("workers", 1)
                .put("queueSize", 1)
                .put("requestTimeout", 3.0));
    sendKnownMix(proxy.node(), proxy.client());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    https.close();
  }

  @Test
  void statsLogSnapshotAndPrometheusAgreeAfterAKnownMix() {
    ProxyClient admin = proxy.admin();
    JsonObject stats = admin.local(HttpMethod.GET, "/stats", null).await().json();
    ProxyClient.Resp scrape = admin.local(HttpMethod.GET, "/metrics", null).await();
    JsonObject snapshot = proxy.node().stats().snapshot();
    assertEquals(200, scrape.status());
    assertTrue(
        scrape.header("Content-Type").startsWith("text/plain"), scrape.header("Content-Type"));
    PromText prom = PromText.parse(scrape.body().toString());

    JsonObject expected =
        new JsonObject()
            .put("success", 4)
            .put("errors", 1)
            .put("timeouts", 1)
            .put("rejected", 1)
            .put("total", 7);
    assertEquals(expected, stats.getJsonObject("requests"));
    assertEquals(expected, snapshot.getJsonObject("requests"));
    Map<Outcome, String> statsKey =
        Map.of(
            Outcome.SUCCESS, "success",
            Outcome.ERROR, "errors",
            Outcome.TIMEOUT, "timeouts",
            Outcome.REJECTED, "rejected");
    for (Outcome o : Outcome.values()) {
      assertEquals(
          stats.getJsonObject("requests").getLong(statsKey.get(o)),
          (long) prom.value("proxy_requests_total", "outcome", o.name().toLowerCase(Locale.ROOT)),
          o.name());
    }
    for (FailureCode c : FailureCode.values()) {
      long n = stats.getJsonObject("errorsByType").getLong(c.name(), 0L);
      assertEquals(n, (long) prom.value("proxy_failures_total", "code", c.name()), c.name());
      assertEquals(n, snapshot.getJsonObject("errorsByType").getLong(c.name(), 0L), c.name());
    }
    assertEquals(
        1, prom.value("proxy_failures_total", "code", "QUEUE_FULL", "outcome", "rejected"));
    assertEquals(1, prom.value("proxy_failures_total", "code", "UPSTREAM_TIMEOUT"));
    assertEquals(1, prom.value("proxy_failures_total", "code", "BAD_REQUEST"));
    for (int cls = 1; cls <= 5; cls++) {
      assertEquals(
          stats.getJsonObject("upstreamStatus").getLong(cls + "xx"),
          (long) prom.value("proxy_upstream_responses_total", "status", cls + "xx"));
    }
    assertEquals(4, prom.value("proxy_upstream_responses_total", "status", "2xx"));

    JsonObject conns = stats.getJsonObject("connections");
    assertEquals(
        conns.getLong("accepted"),
        (long) prom.value("proxy_connections_total", "result", "accepted"));
    assertEquals(
        conns.getLong("rejected"),
        (long) prom.value("proxy_connections_total", "result", "rejected"));
    assertEquals(conns.getLong("active"), (long) prom.value("proxy_connections_active"));
    assertTrue(conns.getLong("accepted") >= 1);
    assertEquals(0, prom.value("proxy_queue_depth"));
    assertEquals(0, prom.value("proxy_workers_busy"));
    assertEquals(0, prom.value("proxy_awaiting_reply"));
    assertEquals(1, prom.value("proxy_ready"));
    assertEquals(1, prom.value("proxy_limit", "setting", "workers"));
    assertEquals(1, prom.value("proxy_limit", "setting", "queueSize"));

    // Timers: 5 upstream calls (2 + timeout + running + queued), 5 left the queue, 7 answered.
    JsonObject latency = stats.getJsonObject("latency");
    assertEquals(5, stats.getJsonObject("upstream").getLong("calls"));
    assertEquals(5, (long) prom.value("proxy_upstream_duration_seconds_count"));
    assertEquals(5, latency.getJsonObject("upstream").getLong("count"));
    assertEquals(5, (long) prom.value("proxy_queue_wait_seconds_count"));
    assertEquals(5, latency.getJsonObject("queueWait").getLong("count"));
    assertEquals(7, sum(prom, "proxy_request_duration_seconds_count"));
    assertEquals(7, latency.getJsonObject("request").getLong("count"));
    assertEquals(
        latency.getJsonObject("upstream").getDouble("sumMs"),
        prom.value("proxy_upstream_duration_seconds_sum") * 1000,
        0.5);
    assertTrue(
        prom.value("proxy_upstream_duration_seconds_sum") >= 3.0, "includes the 3 s timeout");
    assertBucketsAgree(
        prom, "proxy_request_duration_seconds_bucket", latency.getJsonObject("request"));
    assertBucketsAgree(
        prom, "proxy_upstream_duration_seconds_bucket", latency.getJsonObject("upstream"));
    assertEquals(
        latency.getJsonObject("request"),
        snapshot.getJsonObject("latency").getJsonObject("request"));
  }

  @Test
  void everySampleIsTaggedWithTheNodeAndNoneWithAnUpstream() {
    PromText prom = scrape();
    String node = proxy.node().nodeName();
    for (PromText.Sample s : prom.samples()) {
      assertEquals(node, s.labels().get("node"), s.toString());
    }
    for (String line : prom.text().split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      assertFalse(line.contains("localhost"), "a host label: " + line);
      assertFalse(line.contains(":" + https.port()), "an upstream address label: " + line);
      assertFalse(line.contains("/echo"), "a path label: " + line);
    }
  }

  @Test
  void exportsVertxPoolAndJvmMetersButNotVertxPerRequestMetersByDefault() {
    PromText prom = scrape();
    for (String name :
        new String[] {
          "vertx_pool_in_use",
          "jvm_memory_used_bytes",
          "jvm_threads_live_threads",
          "jvm_gc_memory_allocated_bytes_total",
          "system_cpu_count",
          "process_uptime_seconds"
        }) {
      assertFalse(prom.find(name).isEmpty(), name + " missing");
    }
    for (String name :
        new String[] {
          "vertx_http_server_requests_total",
          "vertx_http_client_requests_total",
          "vertx_eventbus_sent_total",
          "vertx_eventbus_handlers"
        }) {
      assertTrue(prom.find(name).isEmpty(), name + " exported though vertxRequestMetrics is off");
    }
  }

  @Test
  void vertxRequestMetricsExportsVertxPerRequestMeters() throws Exception {
    TestCa ca = TestCa.create("metrics-vertx");
    try (HttpsUpstream up = HttpsUpstream.https(ca.issue("localhost"));
        ProxyHarness p =
            ProxyHarness.start(
                ProxyFixture.baseConfig(ca, null).put("vertxRequestMetrics", true))) {
      assertEquals(200, p.client().get(up.url("/echo")).await().status());
      PromText prom =
          PromText.parse(
              p.admin().local(HttpMethod.GET, "/metrics", null).await().body().toString());
      for (String name :
          new String[] {
            "vertx_http_server_requests_total",
            "vertx_http_server_active_connections",
            "vertx_http_client_requests_total",
            "vertx_eventbus_sent_total",
            "vertx_eventbus_handlers",
            "vertx_pool_in_use"
          }) {
        assertFalse(prom.find(name).isEmpty(), name + " missing");
      }
    }
  }

  private static PromText scrape() {
    return PromText.parse(
        proxy.admin().local(HttpMethod.GET, "/metrics", null).await().body().toString());
  }

  private static long sum(PromText prom, String name) {
    return (long) prom.find(name).stream().mapToDouble(PromText.Sample::value).sum();
  }

  /** Prometheus buckets summed over the other labels equal the cumulative counts in /stats. */
  private static void assertBucketsAgree(PromText prom, String name, JsonObject dist) {
    JsonArray le = dist.getJsonArray("bucketsLeMs");
    JsonArray counts = dist.getJsonArray("bucketsCumulative");
    for (int i = 0; i < le.size(); i++) {
      long leMs = le.getLong(i);
      double fromProm =
          prom.find(name).stream()
              .filter(s -> !s.labels().get("le").equals("+Inf"))
              .filter(s -> Math.round(Double.parseDouble(s.labels().get("le")) * 1000) == leMs)
              .mapToDouble(PromText.Sample::value)
              .sum();
      assertEquals(counts.getLong(i), (long) fromProm, name + " le=" + leMs + "ms");
    }
    assertEquals(
        dist.getLong("count"),
        (long) prom.find(name, "le", "+Inf").stream().mapToDouble(PromText.Sample::value).sum());
  }

  /** 4 successes, one 400, one upstream timeout, one queue full: 7 answers, 5 upstream calls. */
  private static void sendKnownMix(ProxyNode node, ProxyClient client) throws Exception {
    assertEquals(200, client.get(https.url("/echo")).await().status());
    assertEquals(200, client.get(https.url("/echo")).await().status());
    assertEquals(400, client.fetchRaw("{").await().status());
    assertEquals(504, client.get(https.url("/delay/20000")).await().status());
    waitFor(() -> node.stats().busyWorkers().get() == 0);

    Future<ProxyClient.Resp> running = client.get(https.url("/delay/300"));
    waitFor(() -> node.stats().busyWorkers().get() == 1);
    Future<ProxyClient.Resp> queued = client.get(https.url("/delay/1"));
    waitFor(() -> node.stats().queued().get() == 1);
    assertEquals(503, client.get(https.url("/echo")).await().status());
    assertEquals(200, running.await().status());
    assertEquals(200, queued.await().status());
    waitFor(
        () ->
            node.stats().busyWorkers().get() == 0
                && node.stats().queued().get() == 0
                && node.stats().awaitingReply().get() == 0);
  }

  private static void waitFor(BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(5);
    }
  }
}
