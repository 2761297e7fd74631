package io.httpsproxy.ingress;

import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.Redaction;
import io.netty.channel.ChannelHandlerContext;
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

  private final ProxyStats stats;
  private final AccessLog accessLog;

  MalformedRequests(ProxyStats stats, AccessLog accessLog) {
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
    if (ConnectionGuard.answered(req.connection())) {
      return; // answered already; this is the half-received head the close left behind
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
    // The parser's own message may quote the rejected bytes (a token, an escape sequence).
    LOG.debug("id={} invalid request: {} {}", trace.id(), code, Redaction.describe(cause));
    new Exchange(req, stats, trace, caller, accessLog).fail(new ProxyException(code));
  }

  /**
   * A connection refused before Vert.x saw a request (no head within headerTimeout, a request line
   * or head {@link ConnectionGuard} refuses), on the Netty event loop: answered, counted, one
   * access-log line, closed.
   */
  void onRefused(ChannelHandlerContext ctx, ProxyException reason, long waitedMs) {
    FailureCode code = reason.code();
    stats.recordFailure(code, waitedMs);
    String id = RequestIds.next();
    ConnectionGuard.answer(ctx, reason, id);
    String client =
        ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a
            ? a.getAddress().getHostAddress()
            : null;
    LOG.debug("id={} refused before a request: {} {}", id, code, reason.getMessage());
    // One access-log line for the answer the client got; there is no request to name.
    accessLog.log(
        new AccessLog.Entry(
            System.currentTimeMillis() - waitedMs,
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
            waitedMs,
            null,
            null));
  }
}
