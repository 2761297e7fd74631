package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;

/**
 * The heap levels at which the node protects itself (admission/MemoryGuard): the heap live after a
 * collection, plus bodies held whole, as a fraction of the largest heap. Both are live.
 *
 * @param pressure from here keep-alive goes off and new request bodies wait
 * @param critical from here new requests get 503 before they are read
 */
public record MemoryLimits(double pressure, double critical) {
  /**
   * 0.80 and 0.90: G1 starts its concurrent cycle at 45 %, so a healthy node stays well under the
   * first.
   */
  public static final double DEFAULT_PRESSURE = 0.80;

  public static final double DEFAULT_CRITICAL = 0.90;

  public MemoryLimits {
    ConfigChecks.fractions(pressure, critical);
  }

  static MemoryLimits fromJson(JsonObject j) {
    return new MemoryLimits(
        JsonFields.number(j, "memoryPressure", DEFAULT_PRESSURE),
        JsonFields.number(j, "memoryCritical", DEFAULT_CRITICAL));
  }

  void putInto(JsonObject j) {
    j.put("memoryPressure", pressure).put("memoryCritical", critical);
  }
}
