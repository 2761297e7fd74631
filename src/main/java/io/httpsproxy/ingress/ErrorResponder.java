package io.httpsproxy.ingress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.Authenticator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a failure becomes an HTTP answer: status from the {@link FailureCode}, a JSON
 * body {@code {"error": CODE, "message": ...}}, {@code X-Proxy-Error} so clients can tell the
 * proxy's answers from the upstream's, {@code Retry-After} on overload, and a closed connection
 * when the rest of the request cannot be trusted or read.
 */
public final class ErrorResponder {
  public static final String PROXY_ERROR_HEADER = "X-Proxy-Error";
  public static final String REQUEST_ID_HEADER = "X-Request-Id";
  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);

  private ErrorResponder() {}

  /** Maps anything a handler saw to a ProxyException; unexpected ones are bugs and logged. */
  public static ProxyException toProxyException(Throwable t, String requestId) {
    if (t instanceof ProxyException p) {
      return p;
    }
    if (t instanceof ReplyException r) {
      return switch (r.failureType()) {
        case NO_HANDLERS -> new ProxyException(FailureCode.NO_WORKERS);
        case TIMEOUT -> new ProxyException(FailureCode.NO_REPLY);
        default -> new ProxyException(FailureCode.INTERNAL, "worker failed: " + r.getMessage());
      };
    }
    LOG.error("id={} unexpected failure", requestId, t);
    return new ProxyException(FailureCode.INTERNAL);
  }

  /**
   * Answers with {@code e}. The request id is normally on the response already (the ingress puts it
   * there first thing); {@code requestId} may be null then, and a new one is made if it is not.
   */
  public static void send(HttpServerRequest req, ProxyException e, String requestId) {
    send(req, e, requestId, false);
  }

  /** As {@link #send(HttpServerRequest, ProxyException, String)}; {@code close} forces a close. */
  public static void send(
      HttpServerRequest req, ProxyException e, String requestId, boolean forceClose) {
    HttpServerResponse resp = req.response();
    if (resp.ended() || resp.closed()) {
      return;
    }
    FailureCode code = e.code();
    resp.setStatusCode(code.status())
        .putHeader("Content-Type", "application/json")
        .putHeader(PROXY_ERROR_HEADER, code.name());
    if (requestId != null) {
      resp.putHeader(REQUEST_ID_HEADER, requestId);
    } else if (!resp.headers().contains(REQUEST_ID_HEADER)) {
      resp.putHeader(REQUEST_ID_HEADER, RequestIds.next());
    }
    if (code.retryable()) {
      resp.putHeader("Retry-After", String.valueOf(Math.max(1, e.retryAfterSeconds())));
    }
    String challenge = challenge(code);
    if (challenge != null) {
      resp.putHeader(
          code == FailureCode.AUTH_REQUIRED ? "WWW-Authenticate" : "Proxy-Authenticate", challenge);
    }
    boolean close =
        forceClose
            || closesConnection(code)
            || "close".equalsIgnoreCase(resp.headers().get("Connection"));
    if (close) {
      resp.putHeader("Connection", "close");
    }
    resp.end(body(e))
        .onComplete(
            ar -> {
              if (close) {
                req.connection().close();
              }
            });
  }

  /**
   * The same answer for a connection Vert.x has no request object for (the header timeout, a
   * refused request line or head), written as a Netty message through the HTTP encoder; the caller
   * closes the connection.
   */
  static FullHttpResponse rawResponse(ProxyException e, String requestId) {
    FailureCode code = e.code();
    byte[] body = body(e).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(code.status()),
            Unpooled.wrappedBuffer(body));
    r.headers()
        .set("Content-Type", "application/json")
        .set("Content-Length", body.length)
        .set(PROXY_ERROR_HEADER, code.name())
        .set(REQUEST_ID_HEADER, requestId)
        .set("Connection", "close");
    return r;
  }

  /** The JSON error body; the message never echoes a credential (no handler puts one there). */
  private static String body(ProxyException e) {
    return new JsonObject().put("error", e.code().name()).put("message", e.getMessage()).encode()
        + "\n";
  }

  /** RFC 9110 section 11.6.1 and 11.7.1: a 401 or 407 names the scheme and realm to use. */
  private static String challenge(FailureCode code) {
    if (code == FailureCode.PROXY_AUTH_REQUIRED) {
      return "Basic realm=\"" + Authenticator.REALM + "\", charset=\"UTF-8\"";
    }
    if (code == FailureCode.AUTH_REQUIRED) {
      return "Basic realm=\""
          + Authenticator.REALM
          + "\", charset=\"UTF-8\", Bearer realm=\""
          + Authenticator.REALM
          + "\"";
    }
    return null;
  }

  /** After these the connection holds unread or untrusted bytes, or must shed load. */
  private static boolean closesConnection(FailureCode code) {
    return code == FailureCode.REQUEST_BODY_TOO_LARGE
        || code == FailureCode.BAD_FRAMING
        || code == FailureCode.URI_TOO_LONG
        || code == FailureCode.HEADERS_TOO_LARGE
        || code == FailureCode.HEADER_TIMEOUT
        || code == FailureCode.BODY_TIMEOUT
        || code == FailureCode.CONNECTION_LIMIT
        || code == FailureCode.MEMORY_PRESSURE
        || code == FailureCode.CLIENT_DENIED
        || code == FailureCode.SHUTTING_DOWN;
  }
}
