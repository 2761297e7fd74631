package io.httpsproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.httpsproxy.testing.CacheOrigin;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stale response answers only when the origin cannot (RFC 9111 section 4.2.4) and no directive
 * forbids it, or for a 5xx within stale-if-error (RFC 5861); otherwise the client gets the error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StaleTest {
  private static CacheOrigin origin;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() {
    origin = new CacheOrigin();
    proxy = ProxyHarness.start(ProxyFixture.baseConfig(null, null).put("cacheEnabled", true));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    origin.close();
  }

  /** The first answer has {@code cacheControl}; every later request finds the origin broken. */
  private static void firstThenBroken(String path, String cacheControl, boolean reset) {
    origin.on(
        path,
        (req, n) -> {
          if (n == 1) {
            CacheOrigin.end(req.response(), n, path, "Cache-Control", cacheControl);
          } else if (reset) {
            req.connection().close();
          } else {
            req.response().setStatusCode(503).end("down");
          }
        });
  }

  private static Resp get(String path, String... nameValues) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i + 1 < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return proxy.client().forward(HttpMethod.GET, origin.url(path), h, null).await();
  }

  @Test
  void aStaleResponseAnswersWhenTheOriginClosesTheConnection() {
    firstThenBroken("/stale/reset", "max-age=0", true);

    get("/stale/reset");
    Resp stale = get("/stale/reset");

    assertEquals(200, stale.status());
    assertEquals("/stale/reset#1", stale.body().toString());
    assertEquals("https-proxy; hit; detail=stale", stale.header("Cache-Status"));
    assertEquals(2, origin.count("/stale/reset"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"max-age=0, must-revalidate", "max-age=0, proxy-revalidate", "s-maxage=0"})
  void directivesThatForbidStaleAnswersGetTheError(String cacheControl) {
    String path = "/stale/forbidden/" + cacheControl.hashCode();
    firstThenBroken(path, cacheControl, true);

    get(path);
    Resp error = get(path);

    assertEquals(502, error.status());
  }

  @Test
  void aRequestAskingForFreshnessGetsTheError() {
    firstThenBroken("/stale/asked-fresh", "max-age=0", true);

    get("/stale/asked-fresh");

    assertEquals(502, get("/stale/asked-fresh", "Cache-Control", "no-cache").status());
  }

  @Test
  void a503IsPassedOnUnlessStaleIfErrorAllowsTheStoredResponse() {
    firstThenBroken("/stale/plain-503", "max-age=0", false);
    firstThenBroken("/stale/sie", "max-age=0, stale-if-error=60", false);

    get("/stale/plain-503");
    get("/stale/sie");
    Resp passed = get("/stale/plain-503");
    Resp stale = get("/stale/sie");

    assertEquals(503, passed.status());
    assertEquals(200, stale.status());
    assertEquals("/stale/sie#1", stale.body().toString());
  }

  @Test
  void aHeadAnswerThatMatchesTheStoredGetRefreshesIt() {
    origin.on(
        "/head-refresh",
        (req, n) -> {
          if (req.method() == HttpMethod.HEAD) {
            req.response()
                .putHeader("ETag", "\"h\"")
                .putHeader("Cache-Control", "max-age=600")
                .putHeader("X-Fresh", "head")
                .end();
          } else {
            CacheOrigin.end(
                req.response(), n, "/head-refresh", "Cache-Control", "max-age=0", "ETag", "\"h\"");
          }
        });

    get("/head-refresh");
    Resp head =
        proxy.client().forward(HttpMethod.HEAD, origin.url("/head-refresh"), null, null).await();
    Resp after = get("/head-refresh");

    assertEquals(200, head.status());
    assertEquals("head", head.header("X-Fresh"));
    assertEquals("/head-refresh#1", after.body().toString());
    assertEquals("head", after.header("X-Fresh"));
    assertEquals("https-proxy; hit", after.header("Cache-Status"));
    assertEquals(2, origin.count("/head-refresh"));
  }
}
