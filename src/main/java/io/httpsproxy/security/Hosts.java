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

  /** True when {@code host} (canonical) is an IP literal rather than a name. */
  public static boolean isIpLiteral(String host) {
    return host.indexOf(':') >= 0 || IpAddresses.parseAddress(host) != null;
  }

  private static ProxyException bad(String message) {
    return new ProxyException(FailureCode.BAD_REQUEST, message);
  }
}
