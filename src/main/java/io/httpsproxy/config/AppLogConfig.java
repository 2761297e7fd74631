package io.httpsproxy.config;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * How the application log is written (read at start-up only; its level, {@code logLevel}, is live).
 * The application log goes to stderr in either format and the access log to stdout (or its file),
 * so the two streams can be collected apart.
 *
 * @param format {@code text} (one human-readable line per event) or {@code json} (one JSON object
 *     per line: time, level, logger, thread, node, message, exception)
 */
public record AppLogConfig(String format) {
  public static final String DEFAULT_FORMAT = "text";
  public static final List<String> FORMATS = List.of("text", "json");

  public AppLogConfig {
    format = format == null ? DEFAULT_FORMAT : format.trim().toLowerCase(Locale.ROOT);
    ConfigChecks.oneOf("logFormat", format, FORMATS);
  }

  public boolean json() {
    return format.equals("json");
  }

  static AppLogConfig fromJson(JsonObject j) {
    return new AppLogConfig(JsonFields.string(j, "logFormat", DEFAULT_FORMAT));
  }

  void putInto(JsonObject j) {
    j.put("logFormat", format);
  }
}
