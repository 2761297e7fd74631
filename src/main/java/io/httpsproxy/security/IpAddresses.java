package io.httpsproxy.security;

import inet.ipaddr.AddressStringParameters.RangeParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressNetwork.IPAddressGenerator;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.ipv6.IPv6Address;
import java.net.InetAddress;

/**
 * Strict IP parsing on top of the ipaddress library: only the canonical notations (dotted quad with
 * no leading zeros, standard IPv6 text, optional /prefix), never the inet_aton forms ({@code
 * 127.1}, {@code 0177.0.0.1}, {@code 0x7f.0.0.1}, {@code 2130706433}) that resolvers read
 * differently.
 */
public final class IpAddresses {
  private static final IPAddressStringParameters STRICT =
      new IPAddressStringParameters.Builder()
          .allowEmpty(false)
          .allowAll(false)
          .allowSingleSegment(false)
          .allowWildcardedSeparator(false)
          .setRangeOptions(RangeParameters.NO_RANGE)
          .allowMask(false)
          .allowPrefixOnly(false)
          .allow_inet_aton(false)
          .getIPv4AddressParametersBuilder()
          .allowLeadingZeros(false)
          .allowPrefixLengthLeadingZeros(false)
          .getParentBuilder()
          .getIPv6AddressParametersBuilder()
          .allowZone(false)
          .getParentBuilder()
          .toParams();

  private static final IPAddressGenerator GENERATOR = new IPAddressGenerator();

  private IpAddresses() {}

  /** A single address or a CIDR block in canonical notation; null when it is not one. */
  public static IPAddress parse(String text) {
    if (surelyNotAnAddress(text)) {
      return null;
    }
    return libraryParse(text);
  }

  /** The library's answer alone, without the shortcut (the tests hold the two side by side). */
  static IPAddress libraryParse(String text) {
    return new IPAddressString(text, STRICT).getAddress();
  }

  /** A single address without prefix (an IP literal host); null when it is not one. */
  public static IPAddress parseAddress(String text) {
    if (surelyNotAnAddress(text)) {
      return null;
    }
    IPAddressString s = new IPAddressString(text, STRICT);
    IPAddress a = s.getAddress();
    return a == null || s.isPrefixed() ? null : a;
  }

  /**
   * True when {@code text} holds an ASCII letter past 'f': no notation {@link #STRICT} accepts has
   * one (hex digits stop at f, inet_aton's 0x, zones, base 85 and the ipv6-literal.net form are all
   * refused), while host names nearly always do. The library answers such a name by building an
   * exception with its stack trace: 2.5 % of the proxy's CPU per request for {@code localhost}.
   */
  static boolean surelyNotAnAddress(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = (char) (text.charAt(i) | 0x20); // ASCII letters to lower case
      if (c >= 'g' && c <= 'z') {
        return true;
      }
    }
    return false;
  }

  public static IPAddress of(InetAddress address) {
    return GENERATOR.from(address);
  }

  /** A client seen through a dual-stack socket as ::ffff:a.b.c.d is the IPv4 client a.b.c.d. */
  public static IPAddress unmapped(IPAddress a) {
    if (a instanceof IPv6Address v6 && v6.isIPv4Mapped()) {
      return v6.getEmbeddedIPv4Address();
    }
    return a;
  }
}
