package io.httpsproxy.config;

/** Bad configuration: the process prints the message and exits with code 2 before it listens. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }

  /** The armeria-style message: {@code "queueSize: -1 (expected: > 0)"}. */
  static ConfigException invalid(String key, Object value, String expected) {
    return new ConfigException(key + ": " + show(value) + " (expected: " + expected + ")");
  }

  private static String show(Object value) {
    return value instanceof String ? "'" + value + "'" : String.valueOf(value);
  }
}
