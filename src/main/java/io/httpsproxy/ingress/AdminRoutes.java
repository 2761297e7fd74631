package io.httpsproxy.ingress;

import io.httpsproxy.cache.ResponseCache;
import io.httpsproxy.cluster.ClusterView;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.metrics.Readiness;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.reload.LiveSettings;
import io.httpsproxy.reload.ReloadStatus;
import io.httpsproxy.reload.Reloader;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.List;

/**
 * Origin-form routes: the JSON fetch API and the node's own endpoints ({@code /stats}, {@code
 * /metrics}, {@code /health}, {@code /ready}, {@code /dashboard}).
 */
final class AdminRoutes {
  static final String API_PATH = "/api/v1/fetch";

  static final String RELOAD_PATH = "/admin/reload";

  static final String PURGE_PATH = "/admin/cache/purge";

  private final LiveSettings settings;
  private final ProxyStats stats;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final ClusterView cluster;
  private final Reloader reloader;
  private final ResponseCache cache;

  AdminRoutes(
      LiveSettings settings,
      ProxyStats stats,
      PrometheusMeterRegistry registry,
      Readiness readiness,
      ClusterView cluster,
      Reloader reloader,
      ResponseCache cache) {
    this.cache = cache;
    this.cluster = cluster;
    this.settings = settings;
    this.reloader = reloader;
    this.stats = stats;
    this.registry = registry;
    this.readiness = readiness;
  }

  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    // POST to the API is dispatched before the Router (with the caller the gate admitted); this
    // route only makes the Router answer 405 to the API path with any other method.
    router
        .post(API_PATH)
        .handler(ctx -> fail(ctx, FailureCode.INTERNAL, "API request reached the Router"));
    router.get("/stats").handler(this::stats);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.get("/health").handler(this::health);
    router.get("/ready").handler(this::ready);
    router.post(RELOAD_PATH).handler(this::reload);
    router.post(PURGE_PATH).handler(this::purge);
    DashboardRoutes.mount(router);
    router.errorHandler(
        404, ctx -> fail(ctx, FailureCode.NOT_FOUND, "no route for " + ctx.request().path()));
    router.errorHandler(405, ctx -> fail(ctx, FailureCode.METHOD_NOT_ALLOWED, null));
    router.errorHandler(
        500,
        ctx ->
            ErrorResponder.send(
                ctx.request(),
                ErrorResponder.toProxyException(
                    ctx.failure() == null
                        ? new ProxyException(FailureCode.INTERNAL)
                        : ctx.failure(),
                    RequestTrace.of(ctx.request()).id()),
                null));
    return router;
  }

  private static void fail(RoutingContext ctx, FailureCode code, String message) {
    ErrorResponder.send(ctx.request(), new ProxyException(code, message), null);
  }

  private void stats(RoutingContext ctx) {
    String scope = ctx.request().getParam("scope", "node");
    if (scope.equals("cluster")) {
      cluster.stats().onSuccess(all -> json(ctx, 200, all)).onFailure(ctx::fail);
      return;
    }
    if (!scope.equals("node")) {
      fail(ctx, FailureCode.BAD_REQUEST, "scope must be node or cluster");
      return;
    }
    json(ctx, 200, cluster.self()); // with the limits in force (ProxyNode's snapshot)
  }

  /**
   * Re-reads the config file and applies it ({@code ?scope=cluster}: on every node, each from its
   * own file). Loopback clients only, whatever allowClients and credentials say: whoever can change
   * the file on the host is who may apply it. 200 when applied (or nothing changed); 400 for an
   * invalid config, 409 when a changed setting needs a restart, 504 when a node did not answer.
   */
  private void reload(RoutingContext ctx) {
    SocketAddress remote = ctx.request().remoteAddress();
    if (!AccessGate.isLoopback(remote == null ? null : remote.hostAddress())) {
      fail(ctx, FailureCode.LOOPBACK_ONLY, RELOAD_PATH + " answers loopback clients only");
      return;
    }
    String scope = ctx.request().getParam("scope", "node");
    String origin = "POST " + RELOAD_PATH;
    if (scope.equals("cluster")) {
      reloader
          .reloadCluster(origin)
          .onSuccess(all -> json(ctx, statusOf(Reloader.worst(all)), all))
          .onFailure(ctx::fail);
    } else if (scope.equals("node")) {
      reloader
          .reload(origin)
          .onSuccess(one -> json(ctx, statusOf(ReloadStatus.ofLabel(one.getString("status"))), one))
          .onFailure(ctx::fail);
    } else {
      fail(ctx, FailureCode.BAD_REQUEST, "scope must be node or cluster");
    }
  }

  /**
   * Removes from this node's cache the entry of {@code ?url=} or every entry under {@code
   * ?prefix=}. Loopback clients only, like reload: it changes what the node serves.
   */
  private void purge(RoutingContext ctx) {
    SocketAddress remote = ctx.request().remoteAddress();
    if (!AccessGate.isLoopback(remote == null ? null : remote.hostAddress())) {
      fail(ctx, FailureCode.LOOPBACK_ONLY, PURGE_PATH + " answers loopback clients only");
      return;
    }
    String url = ctx.request().getParam("url");
    String prefix = ctx.request().getParam("prefix");
    if ((url == null) == (prefix == null)) {
      fail(ctx, FailureCode.BAD_REQUEST, "give one of url= or prefix= (an absolute http(s) URL)");
      return;
    }
    long n;
    try {
      n = cache.purge(url != null ? url : prefix, prefix != null);
    } catch (ProxyException e) {
      fail(ctx, FailureCode.BAD_REQUEST, e.getMessage());
      return;
    }
    json(ctx, 200, new JsonObject().put("purged", n));
  }

  private static int statusOf(ReloadStatus s) {
    return s.failure() == null ? 200 : s.failure().status();
  }

  /** Liveness: the process answers. Nothing here may depend on upstreams or the cluster. */
  private void health(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("status", "UP"));
  }

  /** Readiness: 200, or 503 with every reason the node should not get traffic now. */
  private void ready(RoutingContext ctx) {
    List<String> reasons = readiness.reasons();
    if (reasons.isEmpty()) {
      json(ctx, 200, new JsonObject().put("status", "UP"));
      return;
    }
    json(ctx, 503, new JsonObject().put("status", "DOWN").put("reasons", new JsonArray(reasons)));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encodePrettily());
  }
}
