package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * One message of a body streamed between two nodes, on the receiving node's {@link
 * Addresses#stream} address. Both directions of an exchange share its {@code stream} key.
 *
 * @param stream the exchange's key (made by the ingress, unique per attempt)
 * @param kind what the frame says
 * @param data the bytes of a {@link Kind#DATA} frame, else empty
 * @param credits chunks granted by a {@link Kind#CREDIT} frame, else 0
 * @param failure why a {@link Kind#RESET} ended the exchange, else null
 */
public record StreamFrame(String stream, Kind kind, Buffer data, int credits, ProxyReply failure) {
  public enum Kind {
    /** A body chunk; it spends one credit of the sender. */
    DATA,
    /** The body ended cleanly. */
    END,
    /** The receiver has room for {@code credits} more chunks. */
    CREDIT,
    /** The worker's side failed after its answer began: the ingress ends the client's answer. */
    RESET,
    /** The ingress's client has gone: the worker stops, and never starts a queued request. */
    CANCEL
  }

  private static final Buffer EMPTY = Buffer.buffer(0);

  public StreamFrame {
    data = data == null ? EMPTY : data;
  }

  public static StreamFrame data(String stream, Buffer data) {
    return new StreamFrame(stream, Kind.DATA, data, 0, null);
  }

  public static StreamFrame of(String stream, Kind kind) {
    return new StreamFrame(stream, kind, null, 0, null);
  }

  public static StreamFrame credit(String stream, int credits) {
    return new StreamFrame(stream, Kind.CREDIT, null, credits, null);
  }

  public static StreamFrame reset(String stream, ProxyReply failure) {
    return new StreamFrame(stream, Kind.RESET, null, 0, failure);
  }
}
