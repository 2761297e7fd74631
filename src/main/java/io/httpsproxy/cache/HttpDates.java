package io.httpsproxy.cache;

import io.httpsproxy.protocol.Header;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;

/** HTTP-dates (RFC 9110 section 5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms. */
final class HttpDates {
  /**
   * Strict about digits (a one-digit hour is invalid: RFC_1123_DATE_TIME would take "2:01:18"),
   * lenient about case and a wrong weekday, which recipients ignore (RFC 9110 section 5.6.7).
   */
  private static final DateTimeFormatter IMF = form("EEE, dd MMM uuuu HH:mm:ss 'GMT'");

  private static final DateTimeFormatter RFC850 = form("EEEE, dd-MMM-uu HH:mm:ss 'GMT'");
  private static final DateTimeFormatter ASCTIME = form("EEE MMM ppd HH:mm:ss uuuu");

  private static DateTimeFormatter form(String pattern) {
    return new DateTimeFormatterBuilder()
        .parseCaseInsensitive()
        .appendPattern(pattern)
        .toFormatter(Locale.US)
        .withZone(ZoneOffset.UTC)
        .withResolverFields(
            ChronoField.YEAR,
            ChronoField.MONTH_OF_YEAR,
            ChronoField.DAY_OF_MONTH,
            ChronoField.HOUR_OF_DAY,
            ChronoField.MINUTE_OF_HOUR,
            ChronoField.SECOND_OF_MINUTE);
  }

  private HttpDates() {}

  /** Milliseconds since the epoch, or -1 for an absent or unparseable date. */
  static long parse(String text) {
    if (text == null) {
      return -1;
    }
    String t = text.trim();
    for (DateTimeFormatter f : new DateTimeFormatter[] {IMF, RFC850, ASCTIME}) {
      try {
        return LocalDateTime.from(f.parse(t)).toInstant(ZoneOffset.UTC).toEpochMilli();
      } catch (java.time.DateTimeException e) {
        // try the next form
      }
    }
    return -1;
  }

  static String format(long epochMs) {
    return IMF.format(Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC));
  }

  /** The first value of header {@code name}, or null. */
  static String first(List<Header> headers, String name) {
    for (Header h : headers) {
      if (h.name().equalsIgnoreCase(name)) {
        return h.value();
      }
    }
    return null;
  }

  /** Every value of header {@code name} joined with ", " (RFC 9110 section 5.3), or null. */
  static String joined(List<Header> headers, String name) {
    StringBuilder b = null;
    for (Header h : headers) {
      if (h.name().equalsIgnoreCase(name)) {
        b =
            b == null
                ? new StringBuilder(h.value().trim())
                : b.append(", ").append(h.value().trim());
      }
    }
    return b == null ? null : b.toString();
  }
}
