package io.httpsproxy.ingress;

import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded request at the ingress, from acceptance to its single answer. Whatever path it
 * takes, it is answered once and recorded once in the statistics. Log lines about it carry {@code
 * id=<request id>} explicitly: SLF4J's MDC is thread-local and a request hops event loops.
 */
final class Exchange {
  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

  private final HttpServerRequest req;
  private final ProxyStats stats;
  private final RequestTrace trace;
  private final long acceptedAtMs = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();

  // confined to the ingress verticle's event loop
  private boolean answered;

  Exchange(HttpServerRequest req, ProxyStats stats, RequestTrace trace) {
    this.req = req;
    this.stats = stats;
    this.trace = trace;
  }

  String id() {
    return trace.id();
  }

  RequestTrace trace() {
    return trace;
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
    resp.putHeader(ErrorResponder.REQUEST_ID_HEADER, trace.id());
    writer.accept(resp);
  }

  /** Answers with the proxy's own error. */
  void fail(Throwable t) {
    if (answered) {
      return;
    }
    answered = true;
    ProxyException e = ErrorResponder.toProxyException(t, trace.id());
    long ms = elapsedMs();
    stats.recordFailure(e.code(), ms);
    LOG.debug(
        "id={} answered {} {} after {} ms: {}",
        trace.id(),
        e.code().status(),
        e.code(),
        ms,
        e.getMessage());
    ErrorResponder.send(req, e, trace.id());
  }
}
