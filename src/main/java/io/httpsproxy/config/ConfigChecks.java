package io.httpsproxy.config;

import io.httpsproxy.security.DestinationRule;
import io.httpsproxy.security.IpAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Reading and checking the list-valued settings (destination rules, client CIDRs, ports). */
final class ConfigChecks {
  private ConfigChecks() {}

  static List<String> strings(JsonObject j, String key, List<String> dflt) {
    Object v = j.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof JsonArray a)) {
      throw ConfigException.invalid(key, v, "a JSON array of strings");
    }
    List<String> out = new ArrayList<>();
    for (Object e : a) {
      if (!(e instanceof String s)) {
        throw ConfigException.invalid(key, e, "a string");
      }
      out.add(s.trim());
    }
    return out;
  }

  static List<Integer> ports(JsonObject j, String key, List<Integer> dflt) {
    Object v = j.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof JsonArray a)) {
      throw ConfigException.invalid(key, v, "a JSON array of ports");
    }
    List<Integer> out = new ArrayList<>();
    for (Object e : a) {
      if (!(e instanceof Integer || e instanceof Long)) {
        throw ConfigException.invalid(key, e, "a port 1-65535");
      }
      long p = ((Number) e).longValue();
      if (p < 1 || p > 65535) {
        throw ConfigException.invalid(key, e, "a port 1-65535");
      }
      out.add((int) p);
    }
    return out;
  }

  static void destinations(String key, List<String> entries) {
    for (String e : entries) {
      try {
        DestinationRule.parse(e);
      } catch (IllegalArgumentException ex) {
        throw ConfigException.invalid(key, e, "a CIDR or host pattern");
      }
    }
  }

  static void cidrs(String key, List<String> entries) {
    for (String e : entries) {
      if (IpAddresses.parse(e) == null) {
        throw ConfigException.invalid(key, e, "a CIDR, e.g. 10.0.0.0/8 or ::1/128");
      }
    }
  }
}
