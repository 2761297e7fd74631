package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/**
 * What a worker talks to: the client side of one exchange. On the local path it is the ingress's
 * own object, on the client connection's event loop; for a request from another node it is a bridge
 * that speaks {@link StreamFrame}s to that node. Every method is called on the worker's context,
 * which for a local call is the client connection's.
 *
 * <p>Exactly one of {@link #respond} and {@link #fail} is called before the exchange ends; {@link
 * #fail} may also follow {@link #respond}, when the body cannot be completed.
 */
public interface Downstream {
  /**
   * The request body, paused until the caller reads it (reading it is what lets the client send it:
   * a waiting "100 Continue" is answered then). Null when the request has none. Called once.
   */
  ReadStream<Buffer> body();

  /**
   * The upstream answered: the head goes to the client, and the body is written to the returned
   * stream, whose {@code end()} completes the exchange. Honour its {@code writeQueueFull()}.
   */
  WriteStream<Buffer> respond(ProxyReply head);

  /**
   * The exchange failed: before {@link #respond} the client gets the proxy's error answer; after
   * it, the client's answer is cut off (its connection closed), never ended as if complete.
   */
  void fail(ProxyReply failure);

  /** True once the client has gone; a request not yet started must then never start. */
  boolean gone();

  /** Runs {@code action} (on the worker's context) when the client goes before the end. */
  void onGone(Runnable action);
}
