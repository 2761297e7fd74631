package io.httpsproxy.security;

import inet.ipaddr.IPAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of {@code allowDestinations} / {@code denyDestinations}: a CIDR block (or single
 * address), an exact host name, or {@code *.example.com}. A wildcard matches one or more whole
 * labels in front of the suffix, never the suffix alone and never a look-alike such as {@code
 * example.com.evil} or {@code badexample.com}.
 */
public final class DestinationRule {
  private static final Pattern NAME =
      Pattern.compile("([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");

  private final String text;
  private final IPAddress block;
  private final String name;
  private final boolean wildcard;

  private DestinationRule(String text, IPAddress block, String name, boolean wildcard) {
    this.text = text;
    this.block = block;
    this.name = name;
    this.wildcard = wildcard;
  }

  /**
   * Parses one entry.
   *
   * @throws IllegalArgumentException when it is neither a CIDR nor a host pattern
   */
  public static DestinationRule parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (t.indexOf(':') >= 0 || t.indexOf('/') >= 0 || looksNumeric(t)) {
      IPAddress a = IpAddresses.parse(t);
      if (a == null) {
        throw new IllegalArgumentException(text);
      }
      return new DestinationRule(t, a.toPrefixBlock(), null, false);
    }
    boolean wildcard = t.startsWith("*.");
    String name = wildcard ? t.substring(2) : t;
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (!NAME.matcher(name).matches() || name.length() > 253) {
      throw new IllegalArgumentException(text);
    }
    return new DestinationRule(t, null, name, wildcard);
  }

  public boolean isAddressRule() {
    return block != null;
  }

  /** True for a canonical host name this name rule covers. */
  public boolean matchesHost(String host) {
    if (name == null) {
      return false;
    }
    if (!wildcard) {
      return host.equals(name);
    }
    return host.length() > name.length() + 1
        && host.endsWith(name)
        && host.charAt(host.length() - name.length() - 1) == '.';
  }

  public boolean matchesAddress(IPAddress a) {
    return block != null && block.getIPVersion() == a.getIPVersion() && block.contains(a);
  }

  @Override
  public String toString() {
    return text;
  }

  private static boolean looksNumeric(String t) {
    int dot = t.lastIndexOf('.');
    String last = t.substring(dot + 1);
    return !last.isEmpty() && last.chars().allMatch(Character::isDigit);
  }
}
