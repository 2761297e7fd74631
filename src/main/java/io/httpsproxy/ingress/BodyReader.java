package io.httpsproxy.ingress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body into memory, refusing (413) as soon as it would pass the limit: before any
 * byte when Content-Length already says so, else while streaming. Answers "100 Continue" itself,
 * only when the body may come.
 */
final class BodyReader {
  private BodyReader() {}

  static Future<Buffer> read(HttpServerRequest req, long maxBytes) {
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && tooLarge(declared, maxBytes)) {
      return Future.failedFuture(tooLarge(maxBytes));
    }
    Promise<Buffer> promise = Promise.promise();
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
    req.exceptionHandler(
        t ->
            promise.tryFail(
                new ProxyException(FailureCode.BAD_REQUEST, "request body could not be read")));
    if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
      req.response().writeContinue();
    }
    req.resume();
    return promise.future();
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
