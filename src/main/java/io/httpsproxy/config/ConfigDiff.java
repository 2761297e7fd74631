package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What changed between the running config and a newly read one, setting by setting, split into what
 * a reload can apply ({@link Setting#live()}) and what needs a restart.
 *
 * @param live changed settings a reload applies
 * @param restartOnly changed settings that need a restart, as "key: old -> new"
 */
public record ConfigDiff(List<Setting> live, List<String> restartOnly) {

  public static ConfigDiff between(ProxyConfig running, ProxyConfig next) {
    JsonObject a = running.toJson();
    JsonObject b = next.toJson();
    List<Setting> live = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    for (Setting s : Setting.values()) {
      Object before = a.getValue(s.key());
      Object after = b.getValue(s.key());
      if (Objects.equals(before, after)) {
        continue;
      }
      if (s.live()) {
        live.add(s);
      } else {
        restart.add(s.key() + ": " + before + " -> " + after);
      }
    }
    return new ConfigDiff(List.copyOf(live), List.copyOf(restart));
  }

  public boolean needsRestart() {
    return !restartOnly.isEmpty();
  }

  public List<String> liveKeys() {
    return live.stream().map(Setting::key).toList();
  }
}
