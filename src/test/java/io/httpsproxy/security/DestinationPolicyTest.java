package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The address classification and the order of allow, deny and self rules (pure logic). */
class DestinationPolicyTest {
  private static final int SELF_PORT = 8888;

  private static DestinationPolicy policy(List<String> allow, List<String> deny) {
    return new DestinationPolicy(
        allow.stream().map(DestinationRule::parse).toList(),
        deny.stream().map(DestinationRule::parse).toList(),
        () -> SELF_PORT,
        Set.of(IpAddresses.parseAddress("192.0.2.10")));
  }

  private static DestinationPolicy.Denial check(DestinationPolicy p, String host, String... ips) {
    return p.check(host, 443, java.util.Arrays.stream(ips).map(IpAddresses::parseAddress).toList());
  }

  @ParameterizedTest
  @CsvSource({
    "127.0.0.1, LOOPBACK",
    "127.255.0.9, LOOPBACK",
    "::1, LOOPBACK",
    "0.0.0.0, UNSPECIFIED",
    "0.1.2.3, UNSPECIFIED",
    "::, UNSPECIFIED",
    "10.0.0.1, PRIVATE",
    "172.16.0.1, PRIVATE",
    "172.31.255.255, PRIVATE",
    "192.168.1.1, PRIVATE",
    "fd00::1, PRIVATE",
    "100.64.0.1, SHARED",
    "169.254.169.254, LINK_LOCAL",
    "fe80::1, LINK_LOCAL",
    "224.0.0.1, MULTICAST",
    "ff02::1, MULTICAST",
    "255.255.255.255, BROADCAST",
    "240.0.0.1, RESERVED",
    "198.18.0.1, RESERVED",
    "2001:db8::1, RESERVED",
    "::ffff:127.0.0.1, IPV4_EMBEDDED",
    "::ffff:7f00:1, IPV4_EMBEDDED",
    "::127.0.0.1, IPV4_EMBEDDED",
    "64:ff9b::7f00:1, IPV4_EMBEDDED",
    "64:ff9b::a9fe:a9fe, IPV4_EMBEDDED",
    "2002:7f00:1::1, IPV4_EMBEDDED",
    "2001:0:4136:e378:8000:63bf:80ff:fffe, IPV4_EMBEDDED",
  })
  void defaultsRefuseEverySpecialPurposeBlock(String ip, DenyRule rule) {
    DestinationPolicy.Denial d = check(policy(List.of(), List.of()), "x.example", ip);

    assertEquals(rule, d == null ? null : d.rule(), ip);
  }

  @ParameterizedTest
  @ValueSource(strings = {"93.184.215.14", "8.8.8.8", "2606:4700::6810:85e5", "172.32.0.1"})
  void defaultsAllowPublicUnicast(String ip) {
    assertNull(check(policy(List.of(), List.of()), "x.example", ip));
  }

  @Test
  void embeddedLoopbackIsNamedInTheMessage() {
    DestinationPolicy.Denial d =
        check(policy(List.of("127.0.0.0/8"), List.of()), "x", "::ffff:127.0.0.1");

    assertEquals(DenyRule.IPV4_EMBEDDED, d.rule(), "an IPv4 allow does not open its IPv6 forms");
    assertEquals(
        "destination denied by rule 'ipv4-embedded': IPv6 address embeds a loopback address"
            + " (add the address or name to allowDestinations to open it)",
        d.message());
  }

  @Test
  void everyRefusalNamesTheSettingThatWouldAllowIt() {
    DestinationPolicy open = policy(List.of(), List.of("evil.example", "203.0.113.0/24"));
    String[][] cases = {
      {"10.0.0.1", "private", "allowDestinations"},
      {"127.0.0.1", "loopback", "allowDestinations"},
      {"169.254.169.254", "link-local", "allowDestinations"},
      {"100.64.0.1", "shared-address-space", "allowDestinations"},
      {"203.0.113.9", "denyDestinations", "listed in denyDestinations"},
    };
    for (String[] c : cases) {
      DestinationPolicy.Denial d = check(open, "x", c[0]);
      assertEquals(c[1], d.rule().label(), c[0]);
      assertTrue(d.message().contains(c[2]), c[0] + ": " + d.message());
      assertTrue(!d.message().contains(c[0]), "the address is not echoed: " + d.message());
    }
    for (DenyRule r : DenyRule.values()) {
      assertTrue(!r.remedy().isBlank(), r.name());
    }
  }

  @Test
  void oneRefusedAddressRefusesTheName() {
    DestinationPolicy.Denial d = check(policy(List.of(), List.of()), "x", "8.8.8.8", "10.0.0.1");

    assertEquals(DenyRule.PRIVATE, d.rule());
  }

  @Test
  void allowCidrOpensExactlyItsBlock() {
    DestinationPolicy p = policy(List.of("10.1.0.0/16"), List.of());

    assertNull(check(p, "x", "10.1.2.3"));
    assertEquals(DenyRule.PRIVATE, check(p, "x", "10.2.0.1").rule());
  }

  @Test
  void allowedNameIsTrustedWithWhatItResolvesTo() {
    DestinationPolicy p = policy(List.of("*.corp.example"), List.of());

    assertNull(check(p, "api.corp.example", "10.9.9.9"));
    assertEquals(DenyRule.PRIVATE, check(p, "corp.example", "10.9.9.9").rule());
  }

  @Test
  void denyWinsOverAllowForNamesAndAddresses() {
    DestinationPolicy p = policy(List.of("*.corp.example", "10.0.0.0/8"), List.of("10.6.6.6"));

    assertEquals(DenyRule.DENY_LIST, check(p, "a.corp.example", "10.6.6.6").rule());
    assertEquals(DenyRule.DENY_LIST, check(p, "x", "::ffff:10.6.6.6").rule());
    DestinationPolicy byName = policy(List.of("*.corp.example"), List.of("bad.corp.example"));
    assertEquals(DenyRule.DENY_LIST, check(byName, "bad.corp.example", "8.8.8.8").rule());
  }

  @Test
  void theProxyItselfIsAlwaysRefusedOnItsPort() {
    DestinationPolicy p = policy(List.of("127.0.0.0/8", "192.0.2.0/24"), List.of());

    assertEquals(
        DenyRule.PROXY_SELF,
        p.check("x", SELF_PORT, List.of(IpAddresses.parseAddress("127.0.0.1"))).rule());
    assertEquals(
        DenyRule.PROXY_SELF,
        p.check("x", SELF_PORT, List.of(IpAddresses.parseAddress("192.0.2.10"))).rule());
    assertNull(p.check("x", SELF_PORT + 1, List.of(IpAddresses.parseAddress("127.0.0.1"))));
  }

  @Test
  void aClusteredNodeAlsoRefusesItsOwnClusterPorts() {
    DestinationPolicy p =
        DestinationPolicy.of(
            List.of("127.0.0.0/8"), List.of(), "127.0.0.1", () -> SELF_PORT, Set.of(5701, 5702));

    for (int port : List.of(5701, 5702)) {
      assertEquals(
          DenyRule.PROXY_SELF,
          p.check("x", port, List.of(IpAddresses.parseAddress("127.0.0.1"))).rule());
    }
    assertNull(p.check("x", 5703, List.of(IpAddresses.parseAddress("127.0.0.1"))));
  }
}
