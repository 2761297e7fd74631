package io.httpsproxy.security;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Describes a rejected request without echoing it. A header value that is refused may be a bearer
 * token, a password or a terminal escape sequence, so what reaches a log or an error body names the
 * part of the request and the offending byte's position, never the bytes themselves (issue #12 item
 * 2).
 *
 * <p>Netty's and Vert.x's parser messages are matched against the forms they are known to take;
 * those that carry the value are rewritten, those known to carry none pass, and anything else is
 * reduced to its exception type: an unknown message may hold request data.
 */
public final class Redaction {
  /** Vert.x HttpUtils: {@code a header value contains a prohibited character '27': <value>}. */
  private static final Pattern VALUE_CHAR =
      Pattern.compile(
          "a header value contains a prohibited character '(\\d+)': (.*)", Pattern.DOTALL);

  /** Vert.x HttpUtils: {@code a header name cannot contain ..., such as : <name>}. */
  private static final Pattern NAME_CHARS =
      Pattern.compile(
          "a header name cannot contain some prohibited characters.*?: (.*)", Pattern.DOTALL);

  /** Vert.x HttpUtils: {@code only '\n' is allowed after '\r': <value>}. */
  private static final Pattern LONE_CR =
      Pattern.compile("only '\\\\n' is allowed after '\\\\r': (.*)", Pattern.DOTALL);

  /** Netty: {@code ... invalid character 0x1 at index 3 of header '<name>'.}: cut the name off. */
  private static final Pattern NETTY_NAME =
      Pattern.compile(
          "(a header name can only contain .*? at index \\d+)(?: of header .*)?", Pattern.DOTALL);

  /** Netty messages that carry only fixed text, hex bytes and numbers. */
  private static final Pattern SAFE =
      Pattern.compile(
          "(a header value contains prohibited character 0x[0-9a-f]+ at index \\d+\\.?"
              + "|Illegal character in request line: 0x[0-9a-f]+"
              + "|Invalid separator(, only a single space or horizontal tab allowed.{0,80})?"
              + "|No colon found"
              + "|Empty chunk size|Invalid chunk size; expected extensions"
              + "|Invalid character in chunk size|Chunk size overflow: -?\\d+"
              + "|chunked[a-zA-Z ]{0,80}"
              + "|The final transfer coding must be chunked for HTTP requests"
              + "|An HTTP line is larger than \\d+ bytes\\."
              + "|HTTP header is larger than \\d+ bytes\\."
              + "|Connection closed before received headers)");

  private Redaction() {}

  /** A description of why a request was refused that holds none of its bytes. */
  public static String describe(Throwable t) {
    if (t == null) {
      return "";
    }
    String m = t.getMessage();
    if (m == null || m.isEmpty()) {
      return t.getClass().getSimpleName();
    }
    Matcher v = VALUE_CHAR.matcher(m);
    if (v.matches()) {
      int ch = Integer.parseInt(v.group(1));
      return "a header value has the prohibited byte "
          + hex(ch)
          + " at position "
          + v.group(2).indexOf(ch);
    }
    Matcher n = NAME_CHARS.matcher(m);
    if (n.matches()) {
      return tokenProblem("a header name", n.group(1));
    }
    Matcher cr = LONE_CR.matcher(m);
    if (cr.matches()) {
      return "a header value has a CR not followed by LF at position " + cr.group(1).indexOf('\r');
    }
    Matcher nn = NETTY_NAME.matcher(m);
    if (nn.matches()) {
      return nn.group(1);
    }
    if (SAFE.matcher(m).matches()) {
      return m;
    }
    return t.getClass().getSimpleName() + " (message withheld: it may hold request data)";
  }

  /**
   * Where {@code s} (a header name, a method) breaks the token rule (RFC 9110 section 5.6.2),
   * without quoting it: {@code what} names the part, e.g. "a header name".
   */
  public static String tokenProblem(String what, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isTchar(c)) {
        return what + " has the prohibited byte " + hex(c) + " at position " + i;
      }
    }
    return what + (s.isEmpty() ? " is empty" : " is not a token");
  }

  /**
   * The first byte of a field value that RFC 9110 section 5.5 forbids (a control byte other than
   * HTAB, or DEL), or -1: what Netty's decoder also refuses.
   */
  public static int badValueByte(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return i;
      }
    }
    return -1;
  }

  public static String hex(int c) {
    return String.format("0x%02x", c);
  }

  static boolean isTchar(char c) {
    return (c >= '0' && c <= '9')
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
