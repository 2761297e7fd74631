package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.BackgroundTraffic;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.PromText;
import io.httpsproxy.testing.PrometheusServer;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.TestCa;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every PromQL expression of conf/grafana/dashboards/https-proxy.json, run by a real Prometheus
 * scraping a real proxy node under traffic: each parses and returns data, and no expression names a
 * metric the proxy does not export.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GrafanaDashboardIT {
  static final Path DASHBOARD = Path.of("conf/grafana/dashboards/https-proxy.json");

  /** Grafana's variables, replaced by what Grafana would send with "All" nodes selected. */
  private static final Map<String, String> VARIABLES =
      Map.of("$__rate_interval", "30s", "$__interval", "5s", "${node}", ".*", "$node", ".*");

  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((\\w+),\\s*\\w+\\)");

  @Test
  void everyDashboardExpressionParsesAndReturnsDataFromOnlyExportedMetrics() throws Exception {
    Tools.require(
        Files.isExecutable(PrometheusServer.BINARY), "needs the Debian package prometheus");
    Map<String, String> exprs = expressions(new JsonObject(Files.readString(DASHBOARD)));
    assertTrue(exprs.size() >= 10, exprs.toString());
    TestCa ca = TestCa.create("grafana-it");
    try (HttpsUpstream upstream = HttpsUpstream.https(ca.issue("localhost"));
        ProxyHarness proxy = ProxyHarness.start(ProxyFixture.baseConfig(ca, null));
        PrometheusServer prometheus = PrometheusServer.start(proxy.node().adminPort())) {
      Set<String> exported = exportedNames(proxy);
      for (Map.Entry<String, String> e : exprs.entrySet()) {
        for (String name : metricNames(e.getValue())) {
          assertTrue(exported.contains(name), e.getKey() + ": " + name + " is not exported");
        }
      }

      try (BackgroundTraffic traffic = BackgroundTraffic.start(proxy.client(), upstream, 20)) {
        Map<String, JsonObject> answers = new LinkedHashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        do {
          Thread.sleep(500);
          for (Map.Entry<String, String> e : exprs.entrySet()) {
            JsonObject a = prometheus.query(substitute(e.getValue()));
            assertEquals("success", a.getString("status"), e.getKey() + ": " + a.encode());
            answers.put(e.getKey(), a);
          }
        } while (!empty(answers).isEmpty() && System.nanoTime() < deadline);
        assertEquals(List.of(), empty(answers), "no data; prometheus log:\n" + prometheus.log());
      }
    }
  }

  /** Panel title / refId (or the variable name) to expression, for every query of the JSON. */
  static Map<String, String> expressions(JsonObject dashboard) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Object o : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) o;
      for (Object t : panel.getJsonArray("targets")) {
        JsonObject target = (JsonObject) t;
        out.put(
            panel.getString("title") + " / " + target.getString("refId"), target.getString("expr"));
      }
    }
    for (Object o : dashboard.getJsonObject("templating").getJsonArray("list")) {
      JsonObject variable = (JsonObject) o;
      Matcher m = LABEL_VALUES.matcher(variable.getJsonObject("query").getString("query"));
      assertTrue(m.matches(), variable.encode());
      out.put("variable " + variable.getString("name"), m.group(1));
    }
    return out;
  }

  private static String substitute(String expr) {
    String s = expr;
    for (Map.Entry<String, String> v : VARIABLES.entrySet()) {
      s = s.replace(v.getKey(), v.getValue());
    }
    assertFalse(s.contains("$"), "unknown variable in " + expr);
    return s;
  }

  private static List<String> empty(Map<String, JsonObject> answers) {
    List<String> out = new ArrayList<>();
    answers.forEach(
        (k, a) -> {
          if (a.getJsonObject("data").getJsonArray("result").isEmpty()) {
            out.add(k);
          }
        });
    return out;
  }

  private static final Set<String> NOT_METRICS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "and",
          "or",
          "unless",
          "offset",
          "inf",
          "nan");

  /**
   * Metric names in an expression: identifiers left once strings, label matchers, ranges and
   * grouping lists are removed, that are neither keywords nor function calls.
   */
  static Set<String> metricNames(String expr) {
    String s =
        expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(s);
    while (m.find()) {
      if (m.group(2) == null && !NOT_METRICS.contains(m.group(1).toLowerCase())) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static Set<String> exportedNames(ProxyHarness proxy) {
    String text = proxy.admin().local(HttpMethod.GET, "/metrics", null).await().body().toString();
    Set<String> names = new TreeSet<>();
    PromText.parse(text).samples().forEach(sample -> names.add(sample.name()));
    return names;
  }
}
