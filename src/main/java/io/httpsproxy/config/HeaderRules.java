package io.httpsproxy.config;

import io.httpsproxy.security.ForwardedHeaders;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * Rules for request headers beyond the parser's byte limits (flat keys in the config file, like
 * every other setting); both are live.
 */
public record HeaderRules(int maxHeaderCount, String forwardedHeaders) {
  /**
   * Apache's LimitRequestFields; HAProxy's tune.http.maxhdr is 101. maxHeaderSize bounds the bytes,
   * this bounds the work per request (8 KiB holds some 2,700 one-letter headers).
   */
  public static final int DEFAULT_MAX_HEADER_COUNT = 100;

  /** Strip: an egress proxy tells the internet nothing of its clients (ForwardedHeaders). */
  public static final String DEFAULT_FORWARDED_HEADERS = "strip";

  public HeaderRules {
    ConfigChecks.checkRange("maxHeaderCount", maxHeaderCount, 1, 10_000);
    forwardedHeaders =
        forwardedHeaders == null
            ? DEFAULT_FORWARDED_HEADERS
            : forwardedHeaders.trim().toLowerCase(Locale.ROOT);
    ConfigChecks.oneOf("forwardedHeaders", forwardedHeaders, ForwardedHeaders.Policy.NAMES);
  }

  static HeaderRules fromJson(JsonObject j) {
    return new HeaderRules(
        JsonFields.integer(j, "maxHeaderCount", DEFAULT_MAX_HEADER_COUNT),
        JsonFields.string(j, "forwardedHeaders", DEFAULT_FORWARDED_HEADERS));
  }

  void putInto(JsonObject j) {
    j.put("maxHeaderCount", maxHeaderCount).put("forwardedHeaders", forwardedHeaders);
  }

  public ForwardedHeaders.Policy forwardedPolicy() {
    return ForwardedHeaders.Policy.of(forwardedHeaders);
  }
}
