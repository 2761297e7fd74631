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
}
