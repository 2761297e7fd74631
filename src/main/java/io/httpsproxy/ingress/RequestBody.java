package io.httpsproxy.ingress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;

/**
 * A client's request body as the worker reads it: the request itself, paused until read, with the
 * limits the client is held to. Past {@code maxBytes} (0 = none) it fails 413; when the whole body
 * is not in within {@code bodyTimeout} of the request's start, it fails 408 BODY_TIMEOUT (a body
 * trickling in a byte at a time would otherwise hold its connection for ever). A "100 Continue" the
 * client waits for is sent when the body is first read, that is when a worker is ready for it.
 */
final class RequestBody implements ReadStream<Buffer> {
  private final Vertx vertx;
  private final HttpServerRequest req;
  private final long maxBytes;

  // confined to the ingress verticle's event loop
  private long timer;
  private long bytes;
  private boolean ended;
  private ProxyException failure;
  private Handler<Throwable> exceptionHandler;
  private Handler<Void> endHandler;

  RequestBody(Vertx vertx, HttpServerRequest req, long maxBytes, Duration bodyTimeout) {
    this.vertx = vertx;
    this.req = req;
    this.maxBytes = maxBytes;
    long ms = Math.max(1, bodyTimeout.toMillis());
    this.timer =
        vertx.setTimer(
            ms,
            id -> {
              timer = -1;
              fail(
                  new ProxyException(
                      FailureCode.BODY_TIMEOUT,
                      "request body not received within bodyTimeout (" + ms + " ms)"));
            });
    if (req.isEnded()) {
      ended = true;
      cancelTimer();
      return;
    }
    req.endHandler(
        v -> {
          ended = true;
          cancelTimer();
          if (endHandler != null && failure == null) {
            endHandler.handle(null);
          }
        });
    req.exceptionHandler(t -> fail(unreadable(req, t)));
  }

  /** The body broke off: its client left (CLIENT_GONE, recorded, never sent) or sent garbage. */
  static ProxyException unreadable(HttpServerRequest req, Throwable t) {
    if (t instanceof java.io.IOException
        || t instanceof io.vertx.core.http.HttpClosedException
        || req.response().closed()) {
      return new ProxyException(FailureCode.CLIENT_GONE);
    }
    return new ProxyException(FailureCode.BAD_REQUEST, "request body could not be read");
  }

  /** Refused before any byte when the declared length already passes the limit. */
  static ProxyException tooLarge(long maxBytes) {
    return new ProxyException(
        FailureCode.REQUEST_BODY_TOO_LARGE, "request body exceeds maxBodyBytes (" + maxBytes + ")");
  }

  long bytes() {
    return bytes;
  }

  /** True once the client sent its whole body (the connection can then be kept). */
  boolean complete() {
    return ended && failure == null;
  }

  /** Stops the timer when the exchange ends before the body (the connection is closing). */
  void discard() {
    cancelTimer();
  }

  private void fail(ProxyException e) {
    if (ended || failure != null) {
      return;
    }
    failure = e;
    cancelTimer();
    req.pause();
    if (exceptionHandler != null) {
      exceptionHandler.handle(e);
    }
  }

  private void cancelTimer() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      req.handler(null);
      return this;
    }
    if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))
        && !req.response().headWritten()) {
      req.response().writeContinue();
    }
    req.handler(
        chunk -> {
          if (failure != null) {
            return;
          }
          bytes += chunk.length();
          if (maxBytes > 0 && bytes > maxBytes) {
            fail(tooLarge(maxBytes));
            return;
          }
          handler.handle(chunk);
        });
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    exceptionHandler = handler;
    if (failure != null && handler != null) {
      handler.handle(failure);
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    req.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    if (failure == null) {
      req.resume();
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    if (failure == null) {
      req.fetch(amount);
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    endHandler = handler;
    if (ended && failure == null && handler != null) {
      handler.handle(null);
    }
    return this;
  }
}
