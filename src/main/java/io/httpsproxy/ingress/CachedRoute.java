package io.httpsproxy.ingress;

import io.httpsproxy.cache.Answers;
import io.httpsproxy.cache.CacheFront;
import io.httpsproxy.cache.CacheStatus;
import io.httpsproxy.cache.StoredResponse;
import io.httpsproxy.egress.DestinationResolver;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.Target;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * One forward-proxy request as the cache sees it ({@link CacheFront.Route}): upstream through the
 * usual queue and workers, or answered here from a stored response, which skips the queue and the
 * worker slots but not the destination policy (checked here as a worker would before connecting;
 * the ACL, authentication and rate limit ran before the request got this far).
 */
final class CachedRoute implements CacheFront.Route {
  private final Exchange ex;
  private final HttpServerRequest req;
  private final Target target;
  private final DestinationResolver destinations;
  private final String node;
  private final BiConsumer<List<Header>, UnaryOperator<Downstream>> upstream;

  CachedRoute(
      Exchange ex,
      HttpServerRequest req,
      Target target,
      DestinationResolver destinations,
      String node,
      BiConsumer<List<Header>, UnaryOperator<Downstream>> upstream) {
    this.ex = ex;
    this.req = req;
    this.target = target;
    this.destinations = destinations;
    this.node = node;
    this.upstream = upstream;
  }

  @Override
  public void upstream(List<Header> headers, UnaryOperator<Downstream> wrap) {
    upstream.accept(headers, wrap);
  }

  @Override
  public void serve(StoredResponse e, CacheStatus status, boolean notModified) {
    destinations
        .resolve(target.host(), target.port())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                ex.fail(ar.cause());
                return;
              }
              ForwardDownstream down = new ForwardDownstream(ex, req, null);
              WriteStream<Buffer> out =
                  down.respond(
                      Answers.reply(
                          e, System.currentTimeMillis(), status, null, node, notModified));
              boolean withBody = !notModified && req.method() != HttpMethod.HEAD;
              Answers.write(e, withBody, out);
            });
  }

  @Override
  public void notCached() {
    ex.respond(
        504,
        resp ->
            resp.setStatusCode(504)
                .putHeader("Cache-Status", "https-proxy; fwd=miss")
                .end("only-if-cached: nothing usable is stored\n"));
  }

  @Override
  public boolean answeredGone() {
    if (!req.response().closed()) {
      return false;
    }
    ex.fail(new ProxyException(FailureCode.CLIENT_GONE));
    return true;
  }

  @Override
  public void outcome(CacheStatus status) {
    ex.cache(status.label());
  }
}
