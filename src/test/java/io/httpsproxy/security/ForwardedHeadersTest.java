package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.httpsproxy.protocol.Header;
import io.httpsproxy.security.ForwardedHeaders.Policy;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The forwardedHeaders policy on header lists (issue #12 item 3). */
class ForwardedHeadersTest {
  private static final List<Header> CLAIMS =
      List.of(
          new Header("Accept", "*/*"),
          new Header("x-forwarded-for", "6.6.6.6"),
          new Header("X-FORWARDED-FOR", "7.7.7.7"),
          new Header("Forwarded", "for=6.6.6.6;proto=https"),
          new Header("X-Real-IP", "6.6.6.6"),
          new Header("X-Forwarded-Host", "evil.example"),
          new Header("X-Forwarded-Proto", "https"),
          new Header("x-forwarded-port", "443"),
          new Header("X-Forwarded-Something-Else", "kept"));

  static Stream<Arguments> policies() {
    return Stream.of(
        Arguments.of(
            Policy.STRIP,
            "10.0.0.5",
            List.of(new Header("Accept", "*/*"), new Header("X-Forwarded-Something-Else", "kept"))),
        Arguments.of(
            Policy.REPLACE,
            "10.0.0.5",
            List.of(
                new Header("Accept", "*/*"),
                new Header("X-Forwarded-Something-Else", "kept"),
                new Header("X-Forwarded-For", "10.0.0.5"),
                new Header("Forwarded", "for=10.0.0.5"))),
        Arguments.of(
            Policy.APPEND,
            "10.0.0.5",
            List.of(
                new Header("Accept", "*/*"),
                new Header("X-Real-IP", "6.6.6.6"),
                new Header("X-Forwarded-Host", "evil.example"),
                new Header("X-Forwarded-Proto", "https"),
                new Header("x-forwarded-port", "443"),
                new Header("X-Forwarded-Something-Else", "kept"),
                new Header("X-Forwarded-For", "6.6.6.6, 7.7.7.7, 10.0.0.5"),
                new Header("Forwarded", "for=6.6.6.6;proto=https, for=10.0.0.5"))),
        Arguments.of(
            Policy.APPEND,
            "2001:db8::7",
            List.of(
                new Header("Accept", "*/*"),
                new Header("X-Real-IP", "6.6.6.6"),
                new Header("X-Forwarded-Host", "evil.example"),
                new Header("X-Forwarded-Proto", "https"),
                new Header("x-forwarded-port", "443"),
                new Header("X-Forwarded-Something-Else", "kept"),
                new Header("X-Forwarded-For", "6.6.6.6, 7.7.7.7, 2001:db8::7"),
                new Header("Forwarded", "for=6.6.6.6;proto=https, for=\"[2001:db8::7]\""))),
        Arguments.of(Policy.PASS, "10.0.0.5", CLAIMS));
  }

  @ParameterizedTest
  @MethodSource("policies")
  void eachPolicyGivesTheUpstreamWhatItPromises(
      Policy policy, String client, List<Header> expected) {
    assertEquals(expected, ForwardedHeaders.apply(policy, CLAIMS, client));
  }

  @Test
  void withoutClaimsAppendAndReplaceAddTheAddressAndStripChangesNothing() {
    List<Header> plain = List.of(new Header("Accept", "*/*"), new Header("Fancy", "f"));

    assertSame(plain, ForwardedHeaders.apply(Policy.STRIP, plain, "10.0.0.5"), "no copy");
    List<Header> added =
        List.of(
            new Header("Accept", "*/*"),
            new Header("Fancy", "f"),
            new Header("X-Forwarded-For", "10.0.0.5"),
            new Header("Forwarded", "for=10.0.0.5"));
    assertEquals(added, ForwardedHeaders.apply(Policy.APPEND, plain, "10.0.0.5"));
    assertEquals(added, ForwardedHeaders.apply(Policy.REPLACE, plain, "10.0.0.5"));
  }

  @Test
  void anUnknownClientAddressIsSaidToBeUnknown() {
    List<Header> out = ForwardedHeaders.apply(Policy.REPLACE, List.of(), null);

    assertEquals(
        List.of(new Header("X-Forwarded-For", "unknown"), new Header("Forwarded", "for=unknown")),
        out);
  }

  @Test
  void anEmptyClaimIsNotKeptAsAnEmptyElement() {
    List<Header> out =
        ForwardedHeaders.apply(
            Policy.APPEND, List.of(new Header("X-Forwarded-For", " ")), "10.0.0.5");

    assertEquals(
        List.of(new Header("X-Forwarded-For", "10.0.0.5"), new Header("Forwarded", "for=10.0.0.5")),
        out);
  }
}
