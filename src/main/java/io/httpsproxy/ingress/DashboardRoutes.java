package io.httpsproxy.ingress;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * {@code GET /dashboard}: a page from the jar that polls {@code /stats?scope=cluster} and charts it
 * with uPlot, which comes from its WebJar ({@code org.webjars.npm:uplot}) on the classpath. The
 * page's own files are in {@code src/main/resources/webroot/dashboard}. Nothing is fetched from
 * elsewhere, and the Content-Security-Policy says so to the browser too.
 */
final class DashboardRoutes {
  /** The WebJar's version, part of its resource path: keep in step with pom.xml. */
  static final String UPLOT_VERSION = "1.6.30";

  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private DashboardRoutes() {}

  static void mount(Router router) {
    router.get("/dashboard*").handler(DashboardRoutes::headers);
    router.get("/dashboard").handler(ctx -> ctx.reroute("/dashboard/index.html"));
    router
        .get("/dashboard/uplot/*")
        .handler(files("META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist"));
    router.get("/dashboard/*").handler(files("webroot/dashboard"));
  }

  /**
   * Not cacheable by the browser: the default ("immutable", one day) would keep serving the old
   * page after the jar is upgraded, and these few small files cost nothing to send again.
   */
  private static StaticHandler files(String root) {
    return StaticHandler.create(root).setCachingEnabled(false);
  }

  private static void headers(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
    ctx.next();
  }
}
