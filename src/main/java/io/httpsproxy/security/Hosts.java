package io.httpsproxy.security;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Canonical host names, so that the policy checks the name the resolver will see: IDNA mapping
 * (fullwidth letters and digits, ideographic full stops), lower case, one trailing dot removed.
 * Hosts that look numeric must be a canonical dotted quad: {@code 127.1}, {@code 0177.0.0.1},
 * {@code 0x7f.0.0.1} and {@code 2130706433} mean 127.0.0.1 to some parsers and a name to others, so
 * they are refused (400) rather than guessed.
 */
public final class Hosts {
  private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

  /** A last label of digits or 0x-hex makes WHATWG URL parsers read the host as IPv4. */
  private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0x[0-9a-f]*");

  private Hosts() {}

  /**
   * The canonical form of a URL or CONNECT host (IPv6 without brackets): an IPv4 dotted quad, a
   * compressed IPv6 literal, or a lower-case ASCII DNS name.
   *
   * @throws ProxyException BAD_REQUEST when the host is not acceptable
   */
  public static String canonical(String host) {
    if (host == null || host.isEmpty()) {
      throw bad("host is missing");
    }
    String plain = plainAsciiName(host);
    if (plain != null) {
      return plain;
    }
    if (host.indexOf(':') >= 0) {
      var v6 = IpAddresses.parseAddress(host);
      if (v6 == null || !v6.isIPv6()) {
        throw bad("host is not a valid IPv6 literal");
      }
      return v6.toCompressedString();
    }
    String ascii;
    try {
      ascii = IDN.toASCII(host).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw bad("host is not a valid international domain name");
    }
    if (ascii.endsWith(".")) {
      ascii = ascii.substring(0, ascii.length() - 1);
    }
    if (ascii.isEmpty() || ascii.length() > 253) {
      throw bad("host name is empty or longer than 253 characters");
    }
    String[] labels = ascii.split("\\.", -1);
    if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
      var v4 = IpAddresses.parseAddress(ascii);
      if (v4 == null || !v4.isIPv4()) {
        throw bad("numeric host must be a dotted-quad IPv4 address (a.b.c.d, no leading zeros)");
      }
      return v4.toCanonicalString();
    }
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        throw bad("host name has an invalid label");
      }
    }
    return ascii;
  }

  /**
   * The common case without IDNA or regular expressions (they were 2.7 % of the CPU of a small
   * request, run twice: on the request target and again before the resolver): a host of ASCII
   * letters, digits, '-' and '_' in labels of 1-63 characters that neither start nor end with '-',
   * at most one trailing dot, a last label that is not numeric. IDNA leaves such a name as it is,
   * so this gives what the full path gives; anything else (null) takes the full path, which also
   * words the refusal.
   */
  private static String plainAsciiName(String host) {
    int n = host.length();
    if (host.charAt(n - 1) == '.') {
      n--;
    }
    if (n == 0 || n > 253) {
      return null;
    }
    boolean upper = false;
    int labelStart = 0;
    int lastStart = 0;
    for (int i = 0; i <= n; i++) {
      char c = i < n ? host.charAt(i) : '.';
      if (c == '.') {
        int len = i - labelStart;
        if (len < 1 || len > 63 || host.charAt(labelStart) == '-' || host.charAt(i - 1) == '-') {
          return null;
        }
        lastStart = labelStart;
        labelStart = i + 1;
      } else if (c >= 'A' && c <= 'Z') {
        upper = true;
      } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        return null;
      }
    }
    if (numericLabel(host, lastStart, n)) {
      return null;
    }
    String name = n == host.length() ? host : host.substring(0, n);
    return upper ? name.toLowerCase(Locale.ROOT) : name;
  }

  /** {@link #NUMERIC_LABEL} on {@code host[from, to)}, case-insensitively. */
  private static boolean numericLabel(String host, int from, int to) {
    boolean digits = true;
    for (int i = from; i < to; i++) {
      char c = host.charAt(i);
      digits &= c >= '0' && c <= '9';
    }
    if (digits) {
      return true;
    }
    if (to - from < 2 || host.charAt(from) != '0' || (host.charAt(from + 1) | 0x20) != 'x') {
      return false;
    }
    for (int i = from + 2; i < to; i++) {
      char c = (char) (host.charAt(i) | 0x20);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** True when {@code host} (canonical) is an IP literal rather than a name. */
  public static boolean isIpLiteral(String host) {
    return host.indexOf(':') >= 0 || IpAddresses.parseAddress(host) != null;
  }

  private static ProxyException bad(String message) {
    return new ProxyException(FailureCode.BAD_REQUEST, message);
  }
}
