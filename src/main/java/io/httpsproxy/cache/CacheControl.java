package io.httpsproxy.cache;

import io.httpsproxy.protocol.Header;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The directives of every Cache-Control line of a message (RFC 9111 section 5.2), names lower-case,
 * values unquoted. A directive given twice keeps its first value; an argument that is not a
 * non-negative integer where one is expected counts as 0 (section 4.2.1: invalid freshness is
 * stale).
 */
final class CacheControl {
  private final Map<String, String> directives;

  private CacheControl(Map<String, String> directives) {
    this.directives = directives;
  }

  static CacheControl of(List<Header> headers) {
    Map<String, String> out = new HashMap<>();
    for (Header h : headers) {
      if (h.name().equalsIgnoreCase("cache-control")) {
        parseInto(h.value(), out);
      }
    }
    return new CacheControl(out);
  }

  boolean has(String name) {
    return directives.containsKey(name);
  }

  boolean isEmpty() {
    return directives.isEmpty();
  }

  /** Seconds of a delta-seconds directive; -1 when absent, 0 when malformed. */
  long seconds(String name) {
    String v = directives.get(name);
    if (v == null) {
      return -1;
    }
    if (v.isEmpty() || !v.chars().allMatch(Character::isDigit)) {
      return 0;
    }
    // RFC 9111 section 1.2.2: a value too large is taken as 2^31 (about 68 years).
    return v.length() > 10 ? Integer.MAX_VALUE : Math.min(Long.parseLong(v), Integer.MAX_VALUE);
  }

  /** The value of a directive, "" when it has none, null when absent. */
  String value(String name) {
    return directives.get(name);
  }

  private static void parseInto(String value, Map<String, String> out) {
    int i = 0;
    int n = value.length();
    while (i < n) {
      int start = i;
      while (i < n && value.charAt(i) != ',' && value.charAt(i) != '=') {
        i++;
      }
      String name = value.substring(start, i).trim().toLowerCase(Locale.ROOT);
      String arg = "";
      if (i < n && value.charAt(i) == '=') {
        i++;
        while (i < n && value.charAt(i) == ' ') {
          i++;
        }
        if (i < n && value.charAt(i) == '"') {
          int close = value.indexOf('"', i + 1);
          close = close < 0 ? n : close;
          arg = value.substring(i + 1, close);
          i = close + 1;
          while (i < n && value.charAt(i) != ',') {
            i++;
          }
        } else {
          int s = i;
          while (i < n && value.charAt(i) != ',') {
            i++;
          }
          arg = value.substring(s, i).trim();
        }
      }
      i++; // the comma
      if (!name.isEmpty()) {
        out.putIfAbsent(name, arg);
      }
    }
  }
}
