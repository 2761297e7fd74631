package io.httpsproxy.ingress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;

/**
 * Reads a request body into memory, refusing (413) as soon as it would pass the limit: before any
 * byte when Content-Length already says so, else while streaming. Answers "100 Continue" itself,
 * only when the body may come.
 */
final class BodyReader {
  private BodyReader() {}

  /**
   * The whole body, or a failure: 413 past {@code maxBytes}, 408 BODY_TIMEOUT when it is not all
   * there within {@code timeout} (a body trickling in a byte at a time would otherwise hold the
   * connection for ever: each byte restarts idleTimeout).
   */
  static Future<Buffer> read(HttpServerRequest req, long maxBytes, Duration timeout) {
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && tooLarge(declared, maxBytes)) {
      return Future.failedFuture(tooLarge(maxBytes));
    }
    Promise<Buffer> promise = Promise.promise();
    Context context = Vertx.currentContext();
    if (context != null && mayHaveBody(req, declared)) {
      Vertx vertx = context.owner();
      long timer =
          vertx.setTimer(
              Math.max(1, timeout.toMillis()),
              id ->
                  promise.tryFail(
                      new ProxyException(
                          FailureCode.BODY_TIMEOUT,
                          "request body not received within bodyTimeout ("
                              + timeout.toMillis()
                              + " ms)")));
      promise.future().onComplete(ar -> vertx.cancelTimer(timer));
    }
    Buffer body = Buffer.buffer();
    req.handler(
        chunk -> {
          if (promise.future().isComplete()) {
            return;
          }
          if (body.length() + (long) chunk.length() > maxBytes) {
            promise.tryFail(tooLarge(maxBytes));
            return;
          }
          body.appendBuffer(chunk);
        });
    req.endHandler(v -> promise.tryComplete(body));
    req.exceptionHandler(t -> promise.tryFail(RequestBody.unreadable(req, t)));
    if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
      req.response().writeContinue();
    }
    req.resume();
    return promise.future();
  }

  /** No Content-Length and no Transfer-Encoding: HTTP/1.1 says there is no body (RFC 9112 6.3). */
  private static boolean mayHaveBody(HttpServerRequest req, String declared) {
    if (declared != null) {
      return !declared.trim().equals("0");
    }
    return req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  private static boolean tooLarge(String declared, long maxBytes) {
    try {
      return Long.parseLong(declared.trim()) > maxBytes;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static ProxyException tooLarge(long maxBytes) {
    return new ProxyException(
        FailureCode.REQUEST_BODY_TOO_LARGE, "request body exceeds maxBodyBytes (" + maxBytes + ")");
  }
}
