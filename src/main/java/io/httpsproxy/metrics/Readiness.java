package io.httpsproxy.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether the node should get traffic: every check passes. {@code GET /ready} answers 200, or 503
 * with the reasons of the checks that fail. Checks are read from any thread, so they read atomics
 * or volatile state; a check added later (e.g. "cluster joined") needs no other change.
 */
public final class Readiness {
  /** One condition of readiness. */
  @FunctionalInterface
  public interface Check {
    /** Why the node is not ready, or null when this condition holds. */
    String notReadyReason();
  }

  private final List<Check> checks = new CopyOnWriteArrayList<>();

  public Readiness add(Check check) {
    checks.add(check);
    return this;
  }

  /** The reasons the node is not ready; empty when it is. */
  public List<String> reasons() {
    List<String> reasons = new ArrayList<>();
    for (Check c : checks) {
      String r = c.notReadyReason();
      if (r != null) {
        reasons.add(r);
      }
    }
    return reasons;
  }

  public boolean ready() {
    return reasons().isEmpty();
  }

  /** {"ready": bool, "reasons": [...]}, as shown in {@code /stats} and on the dashboard. */
  public JsonObject toJson() {
    List<String> reasons = reasons();
    return new JsonObject().put("ready", reasons.isEmpty()).put("reasons", new JsonArray(reasons));
  }
}
