package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Only absolute http(s) URLs with a host, no credentials and no raw controls reach upstream. */
class TargetTest {

  private static ProxyException rejects(String url) {
    ProxyException e = assertThrows(ProxyException.class, () -> Target.parse(url));
    assertEquals(FailureCode.BAD_REQUEST, e.code(), url);
    return e;
  }

  @Test
  void httpWithoutPortDefaultsTo80() {
    assertEquals(
        new Target(false, "example.com", 80, "/a/b"), Target.parse("http://example.com/a/b"));
  }

  @Test
  void httpsWithoutPortDefaultsTo443() {
    assertEquals(new Target(true, "example.com", 443, "/"), Target.parse("https://example.com/"));
  }

  @Test
  void explicitPortIsKept() {
    assertEquals(
        new Target(true, "example.com", 8443, "/x"), Target.parse("https://example.com:8443/x"));
    assertEquals(
        new Target(false, "example.com", 443, "/"), Target.parse("http://example.com:443/"));
  }

  @Test
  void emptyPortMeansTheDefault() {
    assertEquals(80, Target.parse("http://example.com:/x").port());
  }

  @Test
  void ipv6LiteralLosesItsBrackets() {
    assertEquals(new Target(false, "::1", 8080, "/a"), Target.parse("http://[::1]:8080/a"));
    assertEquals(new Target(true, "2001:db8::1", 443, "/"), Target.parse("https://[2001:DB8::1]"));
  }

  @Test
  void queryStringIsKeptRawAndEmptyPathBecomesSlash() {
    assertEquals(
        "/search?q=a%20b&x=%2F", Target.parse("http://h/search?q=a%20b&x=%2F").pathAndQuery());
    assertEquals("/?x=1", Target.parse("http://h?x=1").pathAndQuery());
    assertEquals("/", Target.parse("http://h").pathAndQuery());
  }

  @Test
  void fragmentIsNeverSentUpstream() {
    assertEquals("/p?q=1", Target.parse("http://h/p?q=1#frag").pathAndQuery());
  }

  @Test
  void schemeAndHostAreLowerCasedButPathIsNot() {
    Target t = Target.parse("HTTPS://Example.COM/Path/To?Q=V");

    assertTrue(t.https());
    assertEquals("example.com", t.host());
    assertEquals("/Path/To?Q=V", t.pathAndQuery());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"ftp://example.com/", "file:///etc/passwd", "ws://h/", "//h/x", "/x", "h:80"})
  void otherSchemesAreRejected(String url) {
    assertTrue(rejects(url).getMessage().startsWith("url scheme must be http or https"), url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http:///path", "http:/x", "http:x", "https://", "http://:80/"})
  void urlWithoutAUsableHostIsRejected(String url) {
    rejects(url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://a@b/", "http://user:pass@example.com/", "https://@example.com/"})
  void userinfoIsRejected(String url) {
    assertEquals("url must not contain userinfo (user@host)", rejects(url).getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://h/a b",
        "http://h/a\r\nX-Injected: 1",
        "http://h/\n",
        "http://h/\r",
        "http://h/\t",
        "http://h/\u0000",
        "http://h/\u007f",
        " http://h/",
        "http://h/ "
      })
  void controlCharactersAndSpacesAreRejected(String url) {
    assertTrue(
        rejects(url).getMessage().startsWith("url contains a control character or space"), url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://h:0/", "http://h:70000/", "https://h:65536/"})
  void portOutsideOneTo65535IsRejected(String url) {
    assertEquals("url port must be 1-65535", rejects(url).getMessage());
  }

  @Test
  void boundaryPortsAreAccepted() {
    assertEquals(1, Target.parse("http://h:1/").port());
    assertEquals(65535, Target.parse("http://h:65535/").port());
  }

  @Test
  void missingUrlIsRejected() {
    assertEquals("url is missing", rejects(null).getMessage());
    assertEquals("url is missing", rejects("").getMessage());
  }

  @Test
  void toUrlHasNormalisedSchemeHostAndExplicitPort() {
    assertEquals("http://example.com:80/a?b=c", Target.parse("HTTP://Example.com/a?b=c").toUrl());
    assertEquals("https://example.com:443/", Target.parse("https://example.com").toUrl());
    assertEquals("https://[::1]:8443/x", Target.parse("https://[::1]:8443/x").toUrl());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://example.com/a?b=c",
        "https://[2001:db8::1]:8443/p",
        "https://h:1/%20?x=%0D",
        "http://10.0.0.1:8080"
      })
  void toUrlParsesBackToTheSameTarget(String url) {
    Target t = Target.parse(url);

    assertEquals(t, Target.parse(t.toUrl()));
  }

  @Test
  void isAbsoluteHttpUrlIgnoresCase() {
    assertTrue(Target.isAbsoluteHttpUrl("http://h/"));
    assertTrue(Target.isAbsoluteHttpUrl("HTTP://h/"));
    assertTrue(Target.isAbsoluteHttpUrl("https://h/"));
    assertTrue(Target.isAbsoluteHttpUrl("HtTpS://h/"));
    assertFalse(Target.isAbsoluteHttpUrl("/path"));
    assertFalse(Target.isAbsoluteHttpUrl("ftp://h/"));
    assertFalse(Target.isAbsoluteHttpUrl("http:/h"));
    assertFalse(Target.isAbsoluteHttpUrl("http"));
    assertFalse(Target.isAbsoluteHttpUrl("example.com:443"));
  }
}
