package io.httpsproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.CacheOrigin;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cache in front of a real origin, through the real proxy: what is served from it (and how it
 * says so), what never is, revalidation, invalidation, the size bound and purging. Each test uses
 * its own paths, so entries stored by one never answer another.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CacheProxyTest {
  private static CacheOrigin origin;
  private static ProxyHarness proxy;
  private static Vertx otherVertx;
  private static ProxyClient other;

  @BeforeAll
  static void start() {
    origin = new CacheOrigin();
    proxy =
        ProxyHarness.start(
            ProxyFixture.baseConfig(null, null)
                .put("cacheEnabled", true)
                .put("cacheMaxObjectBytes", 16 * 1024));
    otherVertx = Vertx.vertx();
    // Another client, from another address: what one client was given must never reach it.
    other = new ProxyClient(otherVertx, proxy.port(), 4, "127.0.0.2");
  }

  @AfterAll
  static void stop() {
    other.close();
    otherVertx.close().await();
    proxy.close();
    origin.close();
  }

  private static Resp get(String path, String... nameValues) {
    return get(proxy.client(), path, nameValues);
  }

  private static Resp get(ProxyClient client, String path, String... nameValues) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i + 1 < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return client.forward(HttpMethod.GET, origin.url(path), h, null).await();
  }

  @Test
  void servesAFreshResponseOnceFetchedWithAgeAndCacheStatus() {
    origin.headers("/fresh", "Cache-Control", "max-age=60", "Age", "10");

    Resp first = get("/fresh");
    Resp second = get(other, "/fresh");

    assertEquals(1, origin.count("/fresh"));
    assertEquals("/fresh#1", first.body().toString());
    assertEquals("/fresh#1", second.body().toString());
    assertEquals("https-proxy; fwd=uri-miss; stored", first.header("Cache-Status"));
    assertEquals("https-proxy; hit", second.header("Cache-Status"));
    assertTrue(Long.parseLong(second.header("Age")) >= 10, second.header("Age"));
    assertEquals("8", second.header("Content-Length"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "/never/no-store, Cache-Control, 'max-age=60, no-store'",
    "/never/private, Cache-Control, 'private, max-age=60'",
    "/never/set-cookie, Set-Cookie, session=abc",
    "/never/vary-star, Vary, '*'",
    "/never/no-freshness, X-Nothing, 'no Cache-Control, no validator'"
  })
  void neverServesAcrossClients(String path, String name, String value) {
    String[] extra =
        name.equals("Set-Cookie") || name.equals("Vary")
            ? new String[] {"Cache-Control", "max-age=60", name, value}
            : new String[] {name, value};
    origin.headers(path, extra);

    Resp a = get(path);
    Resp b = get(other, path);

    assertEquals(2, origin.count(path), "both went upstream");
    assertEquals(path + "#1", a.body().toString());
    assertEquals(path + "#2", b.body().toString());
  }

  @Test
  void aRequestWithAuthorizationIsSharedOnlyWhenTheResponseSaysPublic() {
    origin.headers("/auth/plain", "Cache-Control", "max-age=60");
    origin.headers("/auth/public", "Cache-Control", "public, max-age=60");

    get("/auth/plain", "Authorization", "Bearer alice");
    Resp bob = get(other, "/auth/plain", "Authorization", "Bearer bob");
    get("/auth/public", "Authorization", "Bearer alice");
    Resp bobPublic = get(other, "/auth/public", "Authorization", "Bearer bob");

    assertEquals(2, origin.count("/auth/plain"));
    assertEquals("/auth/plain#2", bob.body().toString());
    assertEquals(1, origin.count("/auth/public"));
    assertEquals("/auth/public#1", bobPublic.body().toString());
  }

  @Test
  void aStoredResponseWithoutPublicIsNotGivenToARequestWithAuthorization() {
    origin.headers("/auth/later", "Cache-Control", "max-age=60");

    get("/auth/later");
    Resp withAuth = get("/auth/later", "Authorization", "Bearer x");

    assertEquals(2, origin.count("/auth/later"));
    assertEquals("/auth/later#2", withAuth.body().toString());
  }

  @Test
  void theVarySelectedRequestHeadersArePartOfTheKey() {
    origin.headers("/vary", "Cache-Control", "max-age=60", "Vary", "Accept-Language");

    Resp en = get("/vary", "Accept-Language", "en");
    Resp fr = get("/vary", "Accept-Language", "fr");
    Resp frAgain = get(other, "/vary", "Accept-Language", "fr");
    Resp none = get("/vary");

    assertEquals("/vary#1", en.body().toString());
    assertEquals("/vary#2", fr.body().toString());
    assertEquals("/vary#2", frAgain.body().toString());
    assertEquals("/vary#3", none.body().toString());
    assertEquals(3, origin.count("/vary"));
  }

  @Test
  void aStaleResponseIsRevalidatedWithItsEtagAndA304RefreshesIt() {
    origin.on(
        "/etag",
        (req, n) -> {
          if ("\"v1\"".equals(req.getHeader("If-None-Match"))) {
            req.response()
                .setStatusCode(304)
                .putHeader("ETag", "\"v1\"")
                .putHeader("Cache-Control", "max-age=60")
                .putHeader("X-Refreshed", "yes")
                .end();
            return;
          }
          CacheOrigin.end(
              req.response(), n, "/etag", "Cache-Control", "max-age=0", "ETag", "\"v1\"");
        });

    get("/etag");
    Resp revalidated = get(other, "/etag");
    Resp hit = get("/etag");

    assertEquals(2, origin.count("/etag"));
    assertEquals("\"v1\"", origin.heads("/etag").get(1).get("If-None-Match"));
    assertEquals(200, revalidated.status());
    assertEquals("/etag#1", revalidated.body().toString());
    assertEquals("https-proxy; fwd=stale; fwd-status=304", revalidated.header("Cache-Status"));
    assertEquals("yes", revalidated.header("X-Refreshed"));
    assertEquals("/etag#1", hit.body().toString());
    assertEquals("https-proxy; hit", hit.header("Cache-Status"));
  }

  @Test
  void lastModifiedRevalidatesAndAClientsOwnConditionalGetsA304FromTheCache() {
    String lm = "Mon, 01 Jan 2024 00:00:00 GMT";
    origin.on(
        "/lm",
        (req, n) -> {
          if (lm.equals(req.getHeader("If-Modified-Since"))) {
            req.response().setStatusCode(304).putHeader("Cache-Control", "max-age=60").end();
            return;
          }
          CacheOrigin.end(
              req.response(), n, "/lm", "Cache-Control", "no-cache", "Last-Modified", lm);
        });

    get("/lm");
    Resp second = get("/lm");
    Resp conditional = get("/lm", "If-Modified-Since", "Tue, 02 Jan 2024 00:00:00 GMT");

    assertEquals(2, origin.count("/lm"));
    assertEquals("/lm#1", second.body().toString());
    assertEquals(304, conditional.status());
    assertEquals(0, conditional.body().length());
  }

  @Test
  void anUnsafeMethodInvalidatesTheStoredResponse() {
    origin.headers("/thing", "Cache-Control", "max-age=60");

    get("/thing");
    proxy.client().forward(HttpMethod.POST, origin.url("/thing"), null, null).await();
    Resp after = get("/thing");

    assertEquals(3, origin.count("/thing"));
    assertEquals("/thing#3", after.body().toString());
  }

  @Test
  void aBodyOverCacheMaxObjectBytesIsAnsweredWholeButNotStored() {
    String big = "x".repeat(20 * 1024);
    origin.on(
        "/big", (req, n) -> req.response().putHeader("Cache-Control", "max-age=60").end(big + n));
    origin.on(
        "/big-chunked",
        (req, n) ->
            req.response()
                .setChunked(true)
                .putHeader("Cache-Control", "max-age=60")
                .write(big)
                .compose(v -> req.response().end("#" + n)));

    Resp one = get("/big");
    Resp two = get("/big");
    Resp chunked = get("/big-chunked");
    Resp chunkedAgain = get("/big-chunked");

    assertEquals(big + "1", one.body().toString());
    assertEquals(big + "2", two.body().toString());
    assertEquals(big + "#2", chunkedAgain.body().toString());
    assertEquals(big.length() + 2, chunked.body().length());
    assertEquals(2, origin.count("/big-chunked"));
    JsonObject memory = proxy.admin().local(HttpMethod.GET, "/stats", null).await().json();
    assertEquals(0, memory.getJsonObject("memory").getLong("heldBytes"), "reservations returned");
  }

  @Test
  void headIsAnsweredFromAStoredGetAndOnlyIfCachedGets504WhenNothingIsStored() {
    origin.headers("/head", "Cache-Control", "max-age=60");
    get("/head");

    Resp head = proxy.client().forward(HttpMethod.HEAD, origin.url("/head"), null, null).await();
    Resp offline = get("/nothing-here", "Cache-Control", "only-if-cached");

    assertEquals(200, head.status());
    assertEquals(0, head.body().length());
    assertEquals("https-proxy; hit", head.header("Cache-Status"));
    assertEquals(1, origin.count("/head"));
    assertEquals(504, offline.status());
    assertEquals(0, origin.count("/nothing-here"));
  }

  @Test
  void requestDirectivesAreHonoured() {
    origin.headers("/directives", "Cache-Control", "max-age=60");

    get("/directives");
    Resp noCache = get("/directives", "Cache-Control", "no-cache");
    Resp maxAgeZero = get("/directives", "Cache-Control", "max-age=0");
    Resp noStore = get("/directives", "Cache-Control", "no-store");

    assertEquals("/directives#2", noCache.body().toString());
    assertEquals("/directives#3", maxAgeZero.body().toString());
    assertEquals("/directives#4", noStore.body().toString());
    assertNull(noStore.header("Cache-Status"));
  }

  @Test
  void purgeRemovesOneUrlOrAPrefix() {
    origin.headers("/p/a", "Cache-Control", "max-age=60");
    origin.headers("/p/b", "Cache-Control", "max-age=60");
    get("/p/a");
    get("/p/b");

    Resp one = purge("url=" + origin.url("/p/a"));
    get("/p/a");
    get("/p/b");
    Resp prefix = purge("prefix=" + origin.url("/p/"));
    get("/p/b");

    assertEquals(1, one.json().getLong("purged"));
    assertEquals(2, prefix.json().getLong("purged"));
    assertEquals(2, origin.count("/p/a"));
    assertEquals(2, origin.count("/p/b"));
    assertEquals(400, purge("").status());
    assertEquals(400, purge("url=ftp://x/").status());
  }

  @Test
  void statsAndMetricsCountHitsMissesAndBytesServed() {
    origin.headers("/counted", "Cache-Control", "max-age=60");
    get("/counted");
    get("/counted");

    JsonObject cache = proxy.admin().local(HttpMethod.GET, "/stats", null).await().json();
    String metrics =
        proxy.admin().local(HttpMethod.GET, "/metrics", null).await().body().toString();

    JsonObject c = cache.getJsonObject("cache");
    assertTrue(c.getLong("hit") >= 1, c.encode());
    assertTrue(c.getLong("miss") >= 1, c.encode());
    assertTrue(c.getLong("bytesServed") >= 10, c.encode());
    assertTrue(c.getLong("storedBytes") > 0, c.encode());
    assertTrue(metrics.contains("proxy_cache_requests_total{"), metrics);
    assertTrue(metrics.contains("result=\"hit\""), metrics);
    assertTrue(metrics.contains("proxy_cache_served_bytes_total"), metrics);
    assertNotEquals(0, c.getLong("entries"));
  }

  @Test
  void theJsonApiSharesTheCacheAndItsRules() {
    origin.headers("/api/shared", "Cache-Control", "max-age=60");
    origin.headers("/api/private", "Cache-Control", "private, max-age=60");

    get("/api/shared");
    JsonObject viaApi = fetch("/api/shared");
    JsonObject again = fetch("/api/shared");
    JsonObject privateA = fetch("/api/private");
    JsonObject privateB = fetch("/api/private");

    assertEquals(1, origin.count("/api/shared"));
    assertEquals("/api/shared#1", viaApi.getString("body"));
    assertEquals("https-proxy; hit", viaApi.getJsonObject("headers").getString("cache-status"));
    assertEquals("/api/shared#1", again.getString("body"));
    assertEquals(2, origin.count("/api/private"));
    assertEquals("/api/private#1", privateA.getString("body"));
    assertEquals("/api/private#2", privateB.getString("body"));
  }

  private static JsonObject fetch(String path) {
    Resp r = proxy.client().fetch(new JsonObject().put("url", origin.url(path))).await();
    assertEquals(200, r.status(), r.body().toString());
    return r.json();
  }

  private static Resp purge(String query) {
    return purgeFrom(proxy.admin(), query);
  }

  private static Resp purgeFrom(ProxyClient client, String query) {
    return client.local(HttpMethod.POST, "/admin/cache/purge?" + query, null).await();
  }
}
