package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * Typed reads of the config file's values: each names the key and the type it expected when a value
 * is of the wrong kind, and seconds become Durations.
 */
final class JsonFields {
  /** A day: longer timeouts are typos rather than settings. */
  static final double MAX_SECONDS = 86_400;

  private JsonFields() {}

  static int integer(JsonObject j, String key, int dflt) {
    Object v = j.getValue(key, dflt);
    if (v instanceof Integer i) {
      return i;
    }
    if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
      return l.intValue();
    }
    throw ConfigException.invalid(key, v, "an integer");
  }

  static boolean bool(JsonObject j, String key, boolean dflt) {
    Object v = j.getValue(key, dflt);
    if (v instanceof Boolean b) {
      return b;
    }
    throw ConfigException.invalid(key, v, "true or false");
  }

  static long longValue(JsonObject j, String key, long dflt) {
    Object v = j.getValue(key, dflt);
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    throw ConfigException.invalid(key, v, "an integer");
  }

  static String string(JsonObject j, String key, String dflt) {
    Object v = j.getValue(key, dflt);
    if (v == null) {
      return dflt;
    }
    if (v instanceof String s) {
      return s;
    }
    throw ConfigException.invalid(key, v, "a string");
  }

  static Duration seconds(JsonObject j, String key, double dflt) {
    Object v = j.getValue(key, dflt);
    if (!(v instanceof Number n)) {
      throw ConfigException.invalid(key, v, "a number of seconds");
    }
    double s = n.doubleValue();
    if (Double.isNaN(s) || s < 0 || s > MAX_SECONDS) {
      throw ConfigException.invalid(key, v, ">= 0 and <= " + (long) MAX_SECONDS + " seconds");
    }
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  static double toSeconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  /** A plain number from the file (a fraction); missing takes the default. */
  static double number(JsonObject j, String key, double dflt) {
    Object v = j.getValue(key, dflt);
    if (!(v instanceof Number n) || Double.isNaN(n.doubleValue())) {
      throw ConfigException.invalid(key, v, "a fraction, e.g. 0.8");
    }
    return n.doubleValue();
  }
}
