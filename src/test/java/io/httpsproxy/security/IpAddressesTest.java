package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shortcut for host names never changes what the strict parser answers. */
class IpAddressesTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost",
        "example.com",
        "0x7f.0.0.1",
        "1-0-0-0-0-0-0-1.ipv6-literal.net",
        "4.3.2.1.in-addr.arpa",
        "::1%eth0",
        "fe80::1%lo",
        "4)+k&C#VzJ4br>0wv%Yp",
        "abcdefghijklmnopqrst",
        "ZZ::1"
      })
  void namesWithLettersPastFAreNotAddresses(String text) {
    assertNull(IpAddresses.libraryParse(text), "the library agrees");
    assertNull(IpAddresses.parse(text));
    assertNull(IpAddresses.parseAddress(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"1.2.3.4", "::1", "FE80::1", "::ffff:127.0.0.1", "abcd:ef::12", " 1.2.3.4"})
  void addressesStillParse(String text) {
    assertNotNull(IpAddresses.parseAddress(text));
    assertEquals(IpAddresses.libraryParse(text), IpAddresses.parseAddress(text));
  }

  @Test
  void shortcutAgreesWithTheLibraryOnRandomHostLikeStrings() {
    String alphabet = "0123456789abcdefABCDEFgxzGXZ.:/%-_[] ";
    Random random = new Random(6);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder s = new StringBuilder();
      int len = 1 + random.nextInt(12);
      for (int i = 0; i < len; i++) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String text = s.toString();
      assertEquals(IpAddresses.libraryParse(text), IpAddresses.parse(text), text);
    }
  }
}
