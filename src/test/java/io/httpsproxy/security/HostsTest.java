package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Host canonicalisation: the name the policy checks is the name the resolver sees. */
class HostsTest {

  @ParameterizedTest
  @CsvSource({
    "Example.COM, example.com",
    "example.com., example.com",
    "ｌｏｃａｌｈｏｓｔ, localhost",
    "ＬＯＣＡＬＨＯＳＴ., localhost",
    "127。0。0。1, 127.0.0.1",
    "１２７.０.０.１, 127.0.0.1",
    "bücher.example, xn--bcher-kva.example",
    "127.0.0.1., 127.0.0.1",
    "0:0:0:0:0:ffff:7f00:1, ::ffff:7f00:1",
    "::FFFF:127.0.0.1, ::ffff:7f00:1",
    "_dmarc.example.com, _dmarc.example.com",
  })
  void canonicalisesToWhatTheResolverSees(String raw, String expected) {
    assertEquals(expected, Hosts.canonical(raw));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2130706433",
        "127.1",
        "127.0.1",
        "0177.0.0.1",
        "0x7f.0.0.1",
        "0x7f000001",
        "010.0.0.1",
        "127.0.0.01",
        "256.0.0.1",
        "1.2.3.4.5",
        "foo.123",
        "example.0x1"
      })
  void refusesNumericHostsThatAreNotCanonicalDottedQuads(String raw) {
    ProxyException e = assertThrows(ProxyException.class, () -> Hosts.canonical(raw));

    assertEquals(FailureCode.BAD_REQUEST, e.code());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"a..b", ".", "-a.example", "a-.example", "ex ample", "fe80::1%eth0", "::g"})
  void refusesMalformedNames(String raw) {
    assertThrows(ProxyException.class, () -> Hosts.canonical(raw));
  }

  @Test
  void keepsACanonicalDottedQuad() {
    assertEquals("8.8.8.8", Hosts.canonical("8.8.8.8"));
  }

  /**
   * The ASCII fast path gives what IDNA plus the label rules give, for names it accepts and for
   * names it hands on: random hosts over an alphabet chosen to hit every edge (case, '-', '_',
   * dots, digits, 0x, label lengths around 63, trailing dots).
   */
  @Test
  void asciiFastPathAgreesWithTheIdnaReference() {
    java.util.Random random = new java.util.Random(42);
    String[] pieces = {
      "a",
      "Z",
      "0",
      "9",
      "-",
      "_",
      ".",
      "0x",
      "ff",
      "xn--",
      "example",
      "COM",
      "1",
      "g",
      "x".repeat(63)
    };
    for (int i = 0; i < 200_000; i++) {
      StringBuilder b = new StringBuilder();
      int parts = 1 + random.nextInt(6);
      for (int p = 0; p < parts; p++) {
        b.append(pieces[random.nextInt(pieces.length)]);
      }
      String host = b.toString();
      String expected;
      try {
        expected = reference(host);
      } catch (ProxyException e) {
        expected = "refused";
      }
      String actual;
      try {
        actual = Hosts.canonical(host);
      } catch (ProxyException e) {
        actual = "refused";
      }
      assertEquals(expected, actual, host);
    }
  }

  /** The full path alone, as Hosts had it before the fast path (IPv6 aside: no ':' generated). */
  private static String reference(String host) {
    String ascii;
    try {
      ascii = java.net.IDN.toASCII(host).toLowerCase(java.util.Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new ProxyException(FailureCode.BAD_REQUEST, "idna");
    }
    if (ascii.endsWith(".")) {
      ascii = ascii.substring(0, ascii.length() - 1);
    }
    if (ascii.isEmpty() || ascii.length() > 253) {
      throw new ProxyException(FailureCode.BAD_REQUEST, "length");
    }
    String[] labels = ascii.split("\\.", -1);
    if (labels[labels.length - 1].matches("[0-9]+|0x[0-9a-f]*")) {
      var v4 = IpAddresses.parseAddress(ascii);
      if (v4 == null || !v4.isIPv4()) {
        throw new ProxyException(FailureCode.BAD_REQUEST, "numeric");
      }
      return v4.toCanonicalString();
    }
    for (String label : labels) {
      if (!label.matches("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")) {
        throw new ProxyException(FailureCode.BAD_REQUEST, "label");
      }
    }
    return ascii;
  }
}
