package io.httpsproxy.ingress;

import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.reload.LiveSettings;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers for what never became a request: heads Netty could not decode, and heads that did not
 * arrive within headerTimeout. Each is answered, counted and logged once, and its connection
 * closed.
 */
final class MalformedRequests {
  /** Logged as the ingress, as before this moved out of it (operators filter by logger). */
  private static final Logger LOG = LoggerFactory.getLogger(IngressVerticle.class);

  private final LiveSettings settings;
  private final ProxyStats stats;
  private final AccessLog accessLog;

  MalformedRequests(LiveSettings settings, ProxyStats stats, AccessLog accessLog) {
    this.settings = settings;
    this.stats = stats;
    this.accessLog = accessLog;
  }

  /**
   * Requests Netty could not decode. Netty 4.2.18 itself refuses Content-Length with
   * Transfer-Encoding, repeated or malformed Content-Length, bad chunk sizes and header syntax, and
   * marks the request invalid; the answer is ours: 414 for a long request line, 431 for large
   * headers, else 400, always with the connection closed since its framing cannot be trusted.
   */
  void onInvalidRequest(HttpServerRequest req) {
    if (ConnectionGuard.headerTimedOut(req.connection())) {
      return; // answered 408 already; this is the half-received head the close left behind
    }
    Throwable cause = req.decoderResult().cause();
    FailureCode code = FailureCode.BAD_FRAMING;
    if (cause instanceof TooLongHttpLineException) {
      code = FailureCode.URI_TOO_LONG;
    } else if (cause instanceof TooLongHttpHeaderException) {
      code = FailureCode.HEADERS_TOO_LARGE;
    }
    SocketAddress remote = req.remoteAddress();
    AccessGate.Caller caller =
        new AccessGate.Caller(null, remote == null ? null : remote.hostAddress());
    RequestTrace trace = new RequestTrace(RequestIds.next(), "00", false);
    req.response().putHeader(ErrorResponder.REQUEST_ID_HEADER, trace.id());
    LOG.debug(
        "id={} invalid request: {} {}", trace.id(), code, cause == null ? "" : cause.getMessage());
    new Exchange(req, stats, trace, caller, accessLog).fail(new ProxyException(code));
  }

  /** No complete request head within headerTimeout: 408 and close (on the Netty event loop). */
  void onHeaderTimeout(io.netty.channel.ChannelHandlerContext ctx) {
    long ms = settings.config().headerTimeout().toMillis();
    FailureCode code = FailureCode.HEADER_TIMEOUT;
    stats.recordFailure(code, ms);
    String id = RequestIds.next();
    ConnectionGuard.answer408(ctx, id);
    String client =
        ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a
            ? a.getAddress().getHostAddress()
            : null;
    // One access-log line for the 408 the client got; there is no request to name.
    accessLog.log(
        new AccessLog.Entry(
            System.currentTimeMillis() - ms,
            id,
            client,
            null,
            null,
            null,
            code.status(),
            code.name(),
            0,
            0,
            0,
            0,
            ms,
            null));
  }
}
