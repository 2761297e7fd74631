package io.httpsproxy.ingress;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import io.httpsproxy.security.Target;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request and per tunnel on the logger {@value #LOGGER}, which has its own
 * appender (logback.xml: bare message lines on stdout, not added to the root's). JSON encoding
 * escapes control characters, and every text field is cut to {@value #MAX_FIELD} characters with
 * the remaining C1 controls and Unicode line separators replaced, so no client input can start a
 * second line or an ANSI sequence. No header is ever logged; the path and query only when {@code
 * accessLogPaths} is true. Thread-safe.
 */
public final class AccessLog {
  public static final String LOGGER = "https-proxy.access";
  static final int MAX_FIELD = 256;
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private final boolean paths;
  private final String node;

  public AccessLog(boolean paths, String node) {
    this.paths = paths;
    this.node = node;
  }

  /**
   * Points the access logger at {@code destination}: {@code stdout} (logback.xml's appender),
   * {@code off}, or a file path (appended to). Process-wide: the last node started in a JVM wins.
   */
  public static void configure(String destination) {
    if (!(LOG instanceof ch.qos.logback.classic.Logger logger)) {
      return; // another SLF4J backend: its own configuration decides
    }
    if (destination.equals("off")) {
      logger.setLevel(Level.OFF);
      return;
    }
    logger.setLevel(Level.INFO);
    if (destination.equals("stdout")) {
      return;
    }
    LoggerContext ctx = logger.getLoggerContext();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern("%msg%n");
    encoder.start();
    AccessLogAppender file = new AccessLogAppender();
    file.setContext(ctx);
    file.setName("ACCESS_FILE");
    file.setFile(destination);
    file.setEncoder(encoder);
    file.start();
    logger.detachAndStopAllAppenders();
    logger.addAppender(file);
  }

  /**
   * Reopens a file access log by its name (after rotation). Returns what happened, for the log:
   * "reopened FILE", or why nothing was done.
   */
  public static String reopen() {
    if (LOG instanceof ch.qos.logback.classic.Logger logger
        && logger.getAppender("ACCESS_FILE") instanceof AccessLogAppender file) {
      return file.reopen() ? "access log reopened" : "access log could not be reopened";
    }
    return "the access log is not a file (accessLog is stdout or off): nothing to reopen";
  }

  /** What one finished request or tunnel looked like; null fields are left out. */
  record Entry(
      long acceptedAtMs,
      String id,
      String client,
      String user,
      String method,
      Target target,
      int status,
      String outcome,
      long bytesIn,
      long bytesOut,
      long queueMs,
      long upstreamMs,
      long totalMs,
      String node,
      String cache) {}

  void log(Entry e) {
    if (LOG.isInfoEnabled()) {
      LOG.info(line(e));
    }
  }

  /**
   * The JSON object for {@code e}, byte for byte what Vert.x's {@code JsonObject.encode()}
   * (Jackson) writes for the same fields in the same order, written straight into one
   * StringBuilder: building a JsonObject and running Jackson over it cost 1.6 % of the proxy's CPU
   * at 1 KiB/64 conns. AccessLogTest holds the two side by side.
   */
  String line(Entry e) {
    StringBuilder b = new StringBuilder(384);
    b.append('{');
    field(b, "time", Instant.ofEpochMilli(e.acceptedAtMs()).toString());
    field(b, "id", e.id());
    field(b, "client", clean(e.client()));
    field(b, "user", clean(e.user()));
    field(b, "method", clean(e.method()));
    Target t = e.target();
    if (t != null) {
      field(b, "scheme", t.https() ? "https" : "http");
      field(b, "host", clean(t.host()));
      field(b, "port", t.port());
      if (paths && t.pathAndQuery() != null) {
        field(b, "path", clean(t.pathAndQuery()));
      }
    }
    field(b, "status", e.status());
    field(b, "outcome", e.outcome());
    field(b, "bytesIn", e.bytesIn());
    field(b, "bytesOut", e.bytesOut());
    field(b, "queueMs", e.queueMs());
    field(b, "upstreamMs", e.upstreamMs());
    field(b, "totalMs", e.totalMs());
    field(b, "node", e.node() != null ? e.node() : node);
    if (e.cache() != null) {
      field(b, "cache", e.cache()); // only with the cache on: other lines stay as they were
    }
    return b.append('}').toString();
  }

  private static void field(StringBuilder b, String name, long value) {
    name(b, name).append(value);
  }

  private static void field(StringBuilder b, String name, String value) {
    name(b, name);
    if (value == null) {
      b.append("null");
      return;
    }
    b.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        b.append(c);
        continue;
      }
      // Jackson's escapes: short forms where JSON has them, else backslash-u and upper-case hex.
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\b' -> b.append("\\b");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\f' -> b.append("\\f");
        case '\r' -> b.append("\\r");
        default -> b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    b.append('"');
  }

  private static StringBuilder name(StringBuilder b, String name) {
    if (b.length() > 1) {
      b.append(',');
    }
    return b.append('"').append(name).append("\":");
  }

  /** Cut to MAX_FIELD; controls JSON would leave as they are (DEL, C1, U+2028/9) replaced. */
  static String clean(String s) {
    if (s == null) {
      return null;
    }
    String cut = s.length() > MAX_FIELD ? s.substring(0, MAX_FIELD) + "..." : s;
    StringBuilder out = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      boolean unsafe = (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
      out.append(unsafe ? '\ufffd' : c);
    }
    return out.toString();
  }
}
