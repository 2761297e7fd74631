package io.httpsproxy.cluster;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * Adds node snapshots up key by key. Averages and uptimes do not add: averages are recomputed
 * weighted by each node's request (or upstream call) count, and uptime is left out.
 */
final class StatsSum {
  private static final Set<String> NOT_ADDED =
      Set.of("uptimeSeconds", "limits", "readiness", "config", "engines", "fence");

  private StatsSum() {}

  static JsonObject of(List<JsonObject> snapshots) {
    JsonObject sum = new JsonObject();
    for (JsonObject s : snapshots) {
      add(sum, s);
    }
    sum.put("avgProcessingMs", weighted(snapshots, "avgProcessingMs", "requests", "total"));
    JsonObject upstream = sum.getJsonObject("upstream");
    if (upstream != null) {
      upstream.put("avgMs", weightedIn(snapshots, "upstream", "avgMs", "calls"));
    }
    return sum;
  }

  private static void add(JsonObject into, JsonObject from) {
    for (String key : from.fieldNames()) {
      if (NOT_ADDED.contains(key) || key.startsWith("avg")) {
        continue;
      }
      Object v = from.getValue(key);
      if (v instanceof JsonObject obj) {
        JsonObject child = into.getJsonObject(key);
        if (child == null) {
          child = new JsonObject();
          into.put(key, child);
        }
        add(child, obj);
      } else if (v instanceof Number n) {
        Object prev = into.getValue(key);
        if (v instanceof Double || v instanceof Float || prev instanceof Double) {
          double d = (prev == null ? 0 : ((Number) prev).doubleValue()) + n.doubleValue();
          into.put(key, Math.round(d * 100) / 100.0);
        } else {
          into.put(key, (prev == null ? 0 : ((Number) prev).longValue()) + n.longValue());
        }
      }
    }
  }

  private static double weighted(List<JsonObject> ss, String field, String group, String weight) {
    double num = 0;
    double den = 0;
    for (JsonObject s : ss) {
      double w = s.getJsonObject(group, new JsonObject()).getDouble(weight, 0.0);
      num += w * s.getDouble(field, 0.0);
      den += w;
    }
    return den == 0 ? 0 : Math.round(num / den * 100) / 100.0;
  }

  private static double weightedIn(List<JsonObject> ss, String group, String field, String weight) {
    double num = 0;
    double den = 0;
    for (JsonObject s : ss) {
      JsonObject g = s.getJsonObject(group, new JsonObject());
      double w = g.getDouble(weight, 0.0);
      num += w * g.getDouble(field, 0.0);
      den += w;
    }
    return den == 0 ? 0 : Math.round(num / den * 100) / 100.0;
  }
}
