package io.httpsproxy.ingress;

import io.httpsproxy.cluster.ClusterView;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** Origin-form routes: the JSON fetch API and the node's own endpoints. */
final class AdminRoutes {
  private AdminRoutes() {}

  static Router router(
      Vertx vertx, ProxyConfig config, ProxyStats stats, ClusterView cluster, ApiHandler api) {
    Router router = Router.router(vertx);
    // Router-dispatched requests may have ended before our handler runs: BodyHandler copes.
    router
        .post("/api/v1/fetch")
        .handler(BodyHandler.create(false).setBodyLimit(ApiHandler.bodyLimit(config)))
        .handler(api::handle);
    router.get("/stats").handler(ctx -> stats(ctx, config, stats, cluster));
    router.errorHandler(
        404, ctx -> fail(ctx, FailureCode.NOT_FOUND, "no route for " + ctx.request().path()));
    router.errorHandler(
        413,
        ctx -> {
          // BodyHandler refused the API request before it became an exchange: count it here.
          stats.recordFailure(FailureCode.REQUEST_BODY_TOO_LARGE, 0);
          fail(
              ctx,
              FailureCode.REQUEST_BODY_TOO_LARGE,
              "request exceeds " + ApiHandler.bodyLimit(config) + " bytes");
        });
    router.errorHandler(405, ctx -> fail(ctx, FailureCode.METHOD_NOT_ALLOWED, null));
    router.errorHandler(
        500,
        ctx ->
            ErrorResponder.send(
                ctx.request(),
                ErrorResponder.toProxyException(
                    ctx.failure() == null
                        ? new ProxyException(FailureCode.INTERNAL)
                        : ctx.failure()),
                null));
    return router;
  }

  private static void fail(RoutingContext ctx, FailureCode code, String message) {
    ErrorResponder.send(ctx.request(), new ProxyException(code, message), null);
  }

  private static void stats(
      RoutingContext ctx, ProxyConfig config, ProxyStats stats, ClusterView cluster) {
    String scope = ctx.request().getParam("scope", "node");
    if (scope.equals("cluster")) {
      cluster
          .stats()
          .onSuccess(
              all ->
                  ctx.response()
                      .putHeader("Content-Type", "application/json")
                      .end(all.encodePrettily()))
          .onFailure(ctx::fail);
      return;
    }
    if (!scope.equals("node")) {
      fail(ctx, FailureCode.BAD_REQUEST, "scope must be node or cluster");
      return;
    }
    JsonObject body =
        stats
            .snapshot()
            .put("node", cluster.selfId())
            .put(
                "limits",
                new JsonObject()
                    .put("maxConnections", config.maxConnections())
                    .put("queueSize", config.queueSize())
                    .put("workers", config.workers())
                    .put("queueTimeoutMs", config.queueTimeout().toMillis())
                    .put("requestTimeoutMs", config.requestTimeout().toMillis())
                    .put("maxBodyBytes", config.maxBodyBytes()));
    ctx.response().putHeader("Content-Type", "application/json").end(body.encodePrettily());
  }
}
