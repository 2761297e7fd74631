package io.httpsproxy.cache;

import io.httpsproxy.protocol.Header;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/** HTTP-dates (RFC 9110 section 5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms. */
final class HttpDates {
  /** Strict: two-digit hours and days, GMT (RFC_1123_DATE_TIME would take "2:01:18"). */
  private static final DateTimeFormatter IMF =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);

  private static final DateTimeFormatter RFC850 =
      DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);

  private HttpDates() {}

  /** Milliseconds since the epoch, or -1 for an absent or unparseable date. */
  static long parse(String text) {
    if (text == null) {
      return -1;
    }
    String t = text.trim();
    for (DateTimeFormatter f : new DateTimeFormatter[] {IMF, RFC850, ASCTIME}) {
      try {
        return ZonedDateTime.parse(t, f).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
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
