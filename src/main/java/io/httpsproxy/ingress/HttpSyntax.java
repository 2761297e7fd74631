package io.httpsproxy.ingress;

/** RFC 9110 token and field-value syntax checks. */
final class HttpSyntax {
  private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

  private HttpSyntax() {}

  /** token = 1*tchar (RFC 9110 section 5.6.2). */
  static boolean isToken(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= '0' && c <= '9')
              || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || TCHAR_SYMBOLS.indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
