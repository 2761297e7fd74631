package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** allowDestinations / denyDestinations entries: label-exact patterns and strict CIDRs. */
class DestinationRuleTest {

  @Test
  void wildcardMatchesWholeLabelsInFrontOfTheSuffixOnly() {
    DestinationRule r = DestinationRule.parse("*.example.com");

    assertTrue(r.matchesHost("a.example.com"));
    assertTrue(r.matchesHost("a.b.example.com"));
    assertFalse(r.matchesHost("example.com"), "the suffix itself is not covered");
    assertFalse(r.matchesHost("example.com.evil"));
    assertFalse(r.matchesHost("badexample.com"));
    assertFalse(r.matchesHost("a.example.co"));
    assertFalse(r.matchesHost(".example.com"));
  }

  @Test
  void exactNameMatchesOnlyThatName() {
    DestinationRule r = DestinationRule.parse("Example.com.");

    assertTrue(r.matchesHost("example.com"));
    assertFalse(r.matchesHost("a.example.com"));
    assertFalse(r.matchesHost("example.com.evil"));
  }

  @Test
  void cidrMatchesItsBlockAndOnlyItsFamily() {
    DestinationRule r = DestinationRule.parse("10.1.0.0/16");

    assertTrue(r.matchesAddress(IpAddresses.parseAddress("10.1.200.3")));
    assertFalse(r.matchesAddress(IpAddresses.parseAddress("10.2.0.1")));
    assertFalse(r.matchesAddress(IpAddresses.parseAddress("::ffff:10.1.0.1")));
    assertFalse(r.matchesHost("10.1.0.1"), "address rules never match names");
  }

  @Test
  void singleAddressIsAHostBlock() {
    DestinationRule r = DestinationRule.parse("::1");

    assertTrue(r.matchesAddress(IpAddresses.parseAddress("::1")));
    assertFalse(r.matchesAddress(IpAddresses.parseAddress("::2")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"x/99", "10.0.0.0/33", "127.1", "0x7f.0.0.1", "*", "*.", "a.*.com", "", "a b"})
  void refusesWhatIsNeitherACidrNorAHostPattern(String text) {
    assertThrows(IllegalArgumentException.class, () -> DestinationRule.parse(text));
  }
}
