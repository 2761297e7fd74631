package io.httpsproxy.ingress;

import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Consumer;

/**
 * One forwarded request at the ingress, from acceptance to its single answer. Whatever path it
 * takes, it is answered once and recorded once in the statistics.
 */
final class Exchange {
  private final HttpServerRequest req;
  private final ProxyStats stats;
  private final String id = RequestIds.next();
  private final long acceptedAtMs = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();

  // confined to the ingress verticle's event loop
  private boolean answered;

  Exchange(HttpServerRequest req, ProxyStats stats) {
    this.req = req;
    this.stats = stats;
  }

  String id() {
    return id;
  }

  long acceptedAtMs() {
    return acceptedAtMs;
  }

  HttpServerRequest request() {
    return req;
  }

  long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** Answers with the upstream's response, written by {@code writer}. */
  void respond(int upstreamStatus, Consumer<HttpServerResponse> writer) {
    if (answered) {
      return;
    }
    answered = true;
    stats.recordSuccess(upstreamStatus, elapsedMs());
    HttpServerResponse resp = req.response();
    if (resp.closed()) {
      return;
    }
    resp.putHeader(ErrorResponder.REQUEST_ID_HEADER, id);
    writer.accept(resp);
  }

  /** Answers with the proxy's own error. */
  void fail(Throwable t) {
    if (answered) {
      return;
    }
    answered = true;
    ProxyException e = ErrorResponder.toProxyException(t);
    stats.recordFailure(e.code(), elapsedMs());
    ErrorResponder.send(req, e, id);
  }
}
