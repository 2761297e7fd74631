package io.httpsproxy.protocol;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.util.function.Supplier;

/**
 * Moves one body from a stream to another with back-pressure: when the destination's write queue is
 * full the source is paused until it drains, so what is held per body is the destination's write
 * queue plus one read, whatever the body's size. Unlike Vert.x's own pipe it also counts the bytes,
 * enforces a size limit while streaming, and bounds how long the destination may stay full (a
 * client that stops reading). It never ends the destination after a failure: a body that did not
 * complete must not look complete.
 *
 * <p>Confined to the context both streams deliver on.
 */
public final class BodyPipe {
  private final Vertx vertx;
  private final ReadStream<Buffer> from;
  private final WriteStream<Buffer> to;
  private final Promise<Long> result = Promise.promise();
  private long limit;
  private Supplier<ProxyException> tooLarge;
  private long stallMs;
  private Supplier<ProxyException> stalled;
  private Supplier<ProxyException> destinationGone;

  // confined to the streams' context
  private long bytes;
  private long stallTimer = -1;
  private boolean done;

  public BodyPipe(Vertx vertx, ReadStream<Buffer> from, WriteStream<Buffer> to) {
    this.vertx = vertx;
    this.from = from;
    this.to = to;
  }

  /** Fails with {@code whenExceeded} as soon as more than {@code maxBytes} passed; 0 = none. */
  public BodyPipe limit(long maxBytes, Supplier<ProxyException> whenExceeded) {
    this.limit = maxBytes;
    this.tooLarge = whenExceeded;
    return this;
  }

  /** Fails with {@code whenStalled} when the destination stays full for {@code ms}; 0 = never. */
  public BodyPipe stallTimeout(long ms, Supplier<ProxyException> whenStalled) {
    this.stallMs = ms;
    this.stalled = whenStalled;
    return this;
  }

  /**
   * What a destination that fails its end means (its connection closed under the last bytes):
   * {@code whenGone}, instead of the transport's own exception.
   */
  public BodyPipe destinationGone(Supplier<ProxyException> whenGone) {
    this.destinationGone = whenGone;
    return this;
  }

  /** Starts moving; the future has the byte count once the destination has ended. */
  public Future<Long> start() {
    from.handler(this::onData);
    from.endHandler(v -> onEnd());
    from.exceptionHandler(this::fail);
    if (to.writeQueueFull()) {
      waitForDrain();
    } else {
      from.resume();
    }
    return result.future();
  }

  /** Stops moving (the other side failed); the source stays paused. */
  public void cancel(Throwable cause) {
    fail(cause);
  }

  private void onData(Buffer chunk) {
    if (done) {
      return;
    }
    bytes += chunk.length();
    if (limit > 0 && bytes > limit) {
      fail(tooLarge.get());
      return;
    }
    to.write(chunk);
    if (to.writeQueueFull()) {
      from.pause();
      waitForDrain();
    }
  }

  private void waitForDrain() {
    if (stallMs > 0) {
      stallTimer = vertx.setTimer(stallMs, id -> fail(stalled.get()));
    }
    to.drainHandler(
        v -> {
          cancelStallTimer();
          if (!done) {
            from.resume();
          }
        });
  }

  private void onEnd() {
    if (done) {
      return;
    }
    done = true;
    cancelStallTimer();
    to.end()
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                result.tryComplete(bytes);
              } else {
                result.tryFail(destinationGone != null ? destinationGone.get() : ar.cause());
              }
            });
  }

  private void fail(Throwable t) {
    if (done) {
      return;
    }
    done = true;
    cancelStallTimer();
    from.pause();
    result.tryFail(t);
  }

  private void cancelStallTimer() {
    if (stallTimer != -1) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
  }
}
