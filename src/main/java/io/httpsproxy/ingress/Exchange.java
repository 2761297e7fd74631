package io.httpsproxy.ingress;

import io.httpsproxy.ingress.AccessGate.Caller;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.security.Target;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request at the ingress, from acceptance to its single answer. Whatever path it takes, it is
 * answered once, recorded once in the statistics and written once to the access log (a tunnel that
 * opened is logged when it closes). Log lines about it carry {@code id=<request id>} explicitly:
 * SLF4J's MDC is thread-local and a request hops event loops.
 */
final class Exchange {
  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

  private final HttpServerRequest req;
  private final ProxyStats stats;

  private final RequestTrace trace;
  private final Caller caller;
  private final AccessLog accessLog;
  private final long acceptedAtMs = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();

  // confined to the ingress verticle's event loop
  /** Set when the exchange ends as a closed CONNECT tunnel. */
  private boolean tunnel;

  private boolean answered;
  private int streamStatus;
  private String method;
  private Target target;
  private long bytesIn;
  private ProxyReply reply;
  private Runnable onDone;
  private String cache;

  Exchange(
      HttpServerRequest req,
      ProxyStats stats,
      RequestTrace trace,
      Caller caller,
      AccessLog accessLog) {
    this.req = req;
    this.stats = stats;
    this.trace = trace;
    this.caller = caller;
    this.accessLog = accessLog;
  }

  String id() {
    return trace.id();
  }

  Caller caller() {
    return caller;
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

  /** Runs {@code action} once, when the exchange has its one access-log line (it ended). */
  void onDone(Runnable action) {
    Runnable before = onDone;
    onDone =
        before == null
            ? action
            : () -> {
              before.run();
              action.run();
            };
  }

  /** For the access log: the method sent upstream, when it is not the client's (the JSON API). */
  void method(String upstreamMethod) {
    this.method = upstreamMethod;
  }

  /** For the access log: where the request goes. */
  void target(Target t) {
    this.target = t;
  }

  /** For the access log: the request body's size. */
  void bytesIn(long n) {
    this.bytesIn = n;
  }

  /** For the access log: how the cache took part (hit, miss, ...); null when it did not. */
  void cache(String status) {
    this.cache = status;
  }

  /** For the access log: the worker's answer head (timings and node). */
  void reply(ProxyReply r) {
    this.reply = r;
  }

  /**
   * True when the answer says the connection closes after it (memory pressure turns keep-alive
   * off).
   */
  static boolean closing(HttpServerResponse resp) {
    return "close".equalsIgnoreCase(resp.headers().get("Connection"));
  }

  /** Answers with the upstream's response, written by {@code writer}. */
  void respond(int upstreamStatus, Consumer<HttpServerResponse> writer) {
    if (answered) {
      return;
    }
    answered = true;
    long ms = elapsedMs();
    stats.recordSuccess(upstreamStatus, ms);
    HttpServerResponse resp = req.response();
    if (resp.closed()) {
      log(upstreamStatus, "SUCCESS", 0, ms);
      return;
    }
    resp.putHeader(ErrorResponder.REQUEST_ID_HEADER, trace.id());
    writer.accept(resp);
    log(upstreamStatus, "SUCCESS", resp.bytesWritten(), ms);
  }

  /**
   * The upstream's answer starts streaming to the client: its head is on the response (written with
   * the first body bytes); {@link #streamEnded} or {@link #streamAborted} follows.
   */
  void streamStarted(int upstreamStatus) {
    if (answered) {
      return;
    }
    answered = true;
    streamStatus = upstreamStatus;
    req.response().putHeader(ErrorResponder.REQUEST_ID_HEADER, trace.id());
  }

  /** The streamed answer ended complete. */
  void streamEnded() {
    long ms = elapsedMs();
    stats.recordSuccess(streamStatus, ms);
    log(streamStatus, "SUCCESS", req.response().bytesWritten(), ms);
  }

  /**
   * The streamed answer could not be completed ({@code code} says why): the client connection is
   * closed, so the cut-off body can never be taken for a whole one.
   */
  void streamAborted(FailureCode code) {
    long ms = elapsedMs();
    stats.recordFailure(code, ms);
    LOG.debug("id={} answer cut off after {} ms: {}", trace.id(), ms, code);
    log(streamStatus, code.name(), req.response().bytesWritten(), ms);
    req.connection().close();
  }

  /** Answers with the proxy's own error. */
  void fail(Throwable t) {
    fail(t, false);
  }

  /**
   * Answers with the proxy's own error; {@code close} also closes the connection after it (a
   * request body was left unread).
   */
  void fail(Throwable t, boolean close) {
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
    ErrorResponder.send(req, e, trace.id(), close);
    log(e.code().status(), e.code().name(), req.response().bytesWritten(), ms);
  }

  /** A CONNECT tunnel that was open has closed: its one access-log line. */
  void tunnelClosed(long fromClient, long toClient) {
    bytesIn = fromClient;
    tunnel = true;
    log(200, "SUCCESS", toClient, elapsedMs());
  }

  private void log(int status, String outcome, long bytesOut, long ms) {
    if (onDone != null) {
      Runnable done = onDone;
      onDone = null;
      done.run();
    }
    if (!tunnel) { // a tunnel's bytes were counted as they flowed (Tunnel)
      stats.requestBytes(bytesIn, bytesOut);
    }
    accessLog.log(
        new AccessLog.Entry(
            acceptedAtMs,
            trace.id(),
            caller.address(),
            caller.user(),
            method != null ? method : req.method().name(),
            target,
            status,
            outcome,
            bytesIn,
            bytesOut,
            reply == null ? 0 : reply.queueMs(),
            reply == null ? 0 : reply.upstreamMs(),
            ms,
            reply == null ? null : reply.node(),
            cache));
  }
}
