package io.httpsproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.protocol.Header;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 9111's rules as the cache applies them, on plain values. */
class CacheRulesTest {
  private static final long NOW = 1_700_000_000_000L;

  private static List<Header> h(String... nameValues) {
    List<Header> out = new ArrayList<>();
    for (int i = 0; i + 1 < nameValues.length; i += 2) {
      out.add(new Header(nameValues[i], nameValues[i + 1]));
    }
    return out;
  }

  private static CacheRequest get(String... nameValues) {
    return new CacheRequest("GET", "http://h:80/", h(nameValues));
  }

  private static StoredResponse stored(List<Header> resp, CacheRequest req, long ageMs) {
    return new StoredResponse(
        "http://h:80/",
        200,
        resp,
        List.of(),
        0,
        NOW - ageMs,
        NOW - ageMs,
        CacheRules.varyOf(resp, req.headers()),
        req.authorization);
  }

  @Test
  void sharedCacheStorageRules() {
    CacheRequest plain = get();
    assertTrue(CacheRules.storable(plain, 200, h("Cache-Control", "max-age=5"), 0));
    assertTrue(CacheRules.storable(plain, 500, h("Cache-Control", "s-maxage=5"), 0));
    assertTrue(CacheRules.storable(plain, 200, h("ETag", "\"a\""), 0), "revalidatable");
    assertFalse(CacheRules.storable(plain, 200, h(), 0), "nothing says it may be reused");
    assertTrue(CacheRules.storable(plain, 200, h("Last-Modified", "x"), 0.1));
    assertFalse(CacheRules.storable(plain, 200, h("Cache-Control", "no-store, max-age=5"), 0));
    assertFalse(CacheRules.storable(plain, 200, h("Cache-Control", "private, max-age=5"), 0));
    assertFalse(
        CacheRules.storable(plain, 200, h("Cache-Control", "max-age=5", "Set-Cookie", "a=b"), 0));
    assertFalse(CacheRules.storable(plain, 200, h("Cache-Control", "max-age=5", "Vary", "*"), 0));
    assertFalse(CacheRules.storable(plain, 206, h("Cache-Control", "max-age=5"), 0));
    assertFalse(CacheRules.storable(get("Cache-Control", "no-store"), 200, h("Expires", "x"), 0));
    CacheRequest auth = get("Authorization", "Bearer t");
    assertFalse(CacheRules.storable(auth, 200, h("Cache-Control", "max-age=5"), 0));
    assertTrue(CacheRules.storable(auth, 200, h("Cache-Control", "public, max-age=5"), 0));
    assertTrue(CacheRules.storable(auth, 200, h("Cache-Control", "s-maxage=5"), 0));
  }

  @Test
  void freshnessPrefersSmaxageThenMaxAgeThenExpires() {
    CacheRequest r = get();
    String date = HttpDates.format(NOW);
    String in100 = HttpDates.format(NOW + 100_000);
    assertEquals(
        7_000,
        CacheRules.lifetimeMs(
            stored(h("Cache-Control", "max-age=3, s-maxage=7", "Expires", in100), r, 0), 0));
    assertEquals(
        3_000,
        CacheRules.lifetimeMs(stored(h("Cache-Control", "max-age=3", "Expires", in100), r, 0), 0));
    assertEquals(
        100_000, CacheRules.lifetimeMs(stored(h("Date", date, "Expires", in100), r, 0), 0));
    assertEquals(0, CacheRules.lifetimeMs(stored(h("Expires", "0"), r, 0), 0), "invalid: stale");
    String lm = HttpDates.format(NOW - 1_000_000);
    assertEquals(0, CacheRules.lifetimeMs(stored(h("Date", date, "Last-Modified", lm), r, 0), 0));
    assertEquals(
        100_000, CacheRules.lifetimeMs(stored(h("Date", date, "Last-Modified", lm), r, 0), 0.1));
  }

  @Test
  void ageCountsTheAgeHeaderAndTheTimeResident() {
    StoredResponse e =
        stored(h("Age", "30", "Date", HttpDates.format(NOW - 10_000)), get(), 10_000);

    assertEquals(40_000, CacheRules.ageMs(e, NOW), "30 s old when received, 10 s resident");
  }

  @Test
  void whatAStoredResponseCanDoForARequest() {
    CacheRequest plain = get();
    StoredResponse fresh = stored(h("Cache-Control", "max-age=60", "ETag", "\"a\""), plain, 10_000);
    StoredResponse stale = stored(h("Cache-Control", "max-age=5"), plain, 10_000);
    StoredResponse staleMust =
        stored(h("Cache-Control", "max-age=5, must-revalidate"), plain, 10_000);

    assertEquals(CacheRules.Use.FRESH, CacheRules.use(fresh, plain, NOW, 0));
    assertEquals(
        CacheRules.Use.REVALIDATE, CacheRules.use(fresh, get("Cache-Control", "no-cache"), NOW, 0));
    assertEquals(
        CacheRules.Use.REVALIDATE, CacheRules.use(fresh, get("Pragma", "no-cache"), NOW, 0));
    assertEquals(
        CacheRules.Use.REVALIDATE,
        CacheRules.use(fresh, get("Cache-Control", "max-age=5"), NOW, 0));
    assertEquals(
        CacheRules.Use.REVALIDATE,
        CacheRules.use(fresh, get("Cache-Control", "min-fresh=55"), NOW, 0));
    assertEquals(CacheRules.Use.REVALIDATE, CacheRules.use(stale, plain, NOW, 0));
    assertEquals(
        CacheRules.Use.STALE, CacheRules.use(stale, get("Cache-Control", "max-stale"), NOW, 0));
    assertEquals(
        CacheRules.Use.STALE, CacheRules.use(stale, get("Cache-Control", "max-stale=6"), NOW, 0));
    assertEquals(
        CacheRules.Use.REVALIDATE,
        CacheRules.use(stale, get("Cache-Control", "max-stale=1"), NOW, 0));
    assertEquals(
        CacheRules.Use.REVALIDATE,
        CacheRules.use(staleMust, get("Cache-Control", "max-stale"), NOW, 0));
    assertEquals(CacheRules.Use.NONE, CacheRules.use(fresh, get("Authorization", "x"), NOW, 0));
  }

  @Test
  void varySelectsRequestHeadersAndStarNeverMatches() {
    List<Header> resp =
        h("Cache-Control", "max-age=60", "Vary", "Accept-Encoding, Accept-Language");
    StoredResponse e = stored(resp, get("Accept-Encoding", "gzip,br"), 0);

    assertEquals(
        CacheRules.Use.FRESH, CacheRules.use(e, get("Accept-Encoding", "gzip, br"), NOW, 0));
    assertEquals(CacheRules.Use.NONE, CacheRules.use(e, get("Accept-Encoding", "br"), NOW, 0));
    assertEquals(
        CacheRules.Use.NONE,
        CacheRules.use(e, get("Accept-Encoding", "gzip,br", "Accept-Language", "en"), NOW, 0));
    assertNull(CacheRules.varyOf(h("Vary", "Foo, *"), h()));
  }

  @Test
  void clientConditionalsAreEvaluatedAgainstTheStoredValidators() {
    StoredResponse e =
        stored(h("ETag", "W/\"v1\"", "Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"), get(), 0);

    assertTrue(CacheRules.notModified(e, get("If-None-Match", "\"x\", \"v1\"")));
    assertTrue(CacheRules.notModified(e, get("If-None-Match", "*")));
    assertFalse(CacheRules.notModified(e, get("If-None-Match", "\"v2\"")));
    assertTrue(
        CacheRules.notModified(e, get("If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT")));
    assertFalse(
        CacheRules.notModified(e, get("If-Modified-Since", "Sun, 31 Dec 2023 00:00:00 GMT")));
    assertFalse(
        CacheRules.notModified(
            e,
            get("If-None-Match", "\"v2\"", "If-Modified-Since", "Tue, 02 Jan 2024 00:00:00 GMT")),
        "If-None-Match wins over If-Modified-Since");
  }

  @Test
  void cacheControlParsingToleratesQuotesCaseAndBadNumbers() {
    CacheControl cc =
        CacheControl.of(
            h(
                "Cache-Control",
                "Max-Age=\"10\", no-cache=\"Set-Cookie, X\"",
                "cache-control",
                "s-maxage=abc"));

    assertEquals(10, cc.seconds("max-age"));
    assertEquals("Set-Cookie, X", cc.value("no-cache"));
    assertEquals(0, cc.seconds("s-maxage"));
    assertEquals(-1, cc.seconds("min-fresh"));
  }

  @Test
  void datesAreStrictAndAnAgeListCountsByItsFirstMember() {
    assertEquals(-1, HttpDates.parse("Thu, 18 Aug 2050 2:01:18 GMT"));
    assertEquals(-1, HttpDates.parse("0"));
    assertEquals(
        HttpDates.parse("Thu, 18 Aug 2050 02:01:18 GMT"),
        HttpDates.parse("THU, 18 AUG 2050 02:01:18 gmt"),
        "case does not matter");
    assertEquals(
        HttpDates.parse("Thu, 08 Aug 2050 02:01:18 GMT"),
        HttpDates.parse("Thu Aug  8 02:01:18 2050"),
        "nor a wrong weekday");
    assertEquals(
        HttpDates.parse("Thu, 18 Aug 2050 02:01:18 GMT"),
        HttpDates.parse("Thursday, 18-Aug-50 02:01:18 GMT"));
    assertEquals(
        HttpDates.parse("Thu, 18 Aug 2050 02:01:18 GMT"),
        HttpDates.parse("Thu Aug 18 02:01:18 2050"));
    StoredResponse e = stored(h("Age", "7200, 0", "Date", HttpDates.format(NOW)), get(), 0);
    assertEquals(7_200_000, CacheRules.ageMs(e, NOW));
  }

  @Test
  void aQualifiedNoCacheKeepsOnlyTheNamedFieldsOut() {
    List<Header> resp =
        h("Cache-Control", "max-age=60, no-cache=\"X-Secret\"", "X-Secret", "s", "X-Other", "o");
    StoredResponse e = stored(CacheRules.withoutQualified(resp), get(), 0);

    assertEquals(CacheRules.Use.FRESH, CacheRules.use(e, get(), NOW, 0));
    assertNull(HttpDates.first(e.headers(), "x-secret"));
    assertEquals("o", HttpDates.first(e.headers(), "x-other"));
  }
}
