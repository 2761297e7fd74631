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
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.security.Target;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
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
  private final boolean head;
  private final Target target;
  private final Supplier<Downstream> local;
  private final DestinationResolver destinations;
  private final String node;
  private final BiConsumer<List<Header>, UnaryOperator<Downstream>> upstream;

  /**
   * {@code local} makes the downstream that answers from the cache (the forward path's or the JSON
   * API's, so the answer has the form the client asked for); {@code head} is a HEAD request.
   */
  CachedRoute(
      Exchange ex,
      HttpServerRequest req,
      boolean head,
      Target target,
      Supplier<Downstream> local,
      DestinationResolver destinations,
      String node,
      BiConsumer<List<Header>, UnaryOperator<Downstream>> upstream) {
    this.ex = ex;
    this.req = req;
    this.head = head;
    this.target = target;
    this.local = local;
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
              WriteStream<Buffer> out =
                  local
                      .get()
                      .respond(
                          Answers.reply(
                              e, System.currentTimeMillis(), status, null, node, notModified));
              Answers.write(e, !notModified && !head, out);
            });
  }

  @Override
  public void notCached() {
    local
        .get()
        .respond(
            new ProxyReply(
                504,
                List.of(
                    new Header("Cache-Status", "https-proxy; fwd=miss"),
                    new Header("Content-Length", "0")),
                null,
                null,
                0,
                0,
                node))
        .end();
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
