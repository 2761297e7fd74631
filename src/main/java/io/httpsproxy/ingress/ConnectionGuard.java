package io.httpsproxy.ingress;

import io.httpsproxy.protocol.FailureCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Per-connection defences Vert.x has no hook for, as two Netty handlers around the HTTP decoder.
 *
 * <p>Malformed body framing (a bad chunk-size line): Netty marks the chunk as failed after the
 * request head went through; Vert.x would close the connection without an answer. The guard answers
 * 400 BAD_FRAMING and closes instead; the chunk goes no further, so nothing that follows it on the
 * connection can reach the upstream.
 *
 * <p>Slowloris defence: a request's headers must be complete within {@code headerTimeout} of the
 * connection opening, or of the first byte of the next request on a kept-alive connection; else the
 * client gets 408 and the connection closes. (A connection idle between requests is left to {@code
 * idleTimeout}.) Two Netty handlers share the state: one before the HTTP decoder sees the raw bytes
 * that start a request, one after it sees the decoded request head and the end of each response.
 * Vert.x has no public hook for "headers started"; its pipeline is reached through its connection
 * class, documented by Vert.x as the way to add handlers.
 */
final class ConnectionGuard {
  static final String RAW = "proxyHeaderTimeoutRaw";
  static final String DECODED = "proxyHeaderTimeoutDecoded";

  /**
   * Set on a channel answered 408 by the header timeout: its half request is not reported again.
   */
  private static final AttributeKey<Boolean> TIMED_OUT =
      AttributeKey.valueOf("https-proxy.headerTimedOut");

  private final long timeoutMs;
  private final Consumer<ChannelHandlerContext> onTimeout;
  private final Runnable onBadFraming;

  // confined to the connection's event loop (Netty calls handlers there)
  private ScheduledFuture<?> timer;
  private int inFlight;

  private ConnectionGuard(
      long timeoutMs, Consumer<ChannelHandlerContext> onTimeout, Runnable onBadFraming) {
    this.timeoutMs = timeoutMs;
    this.onTimeout = onTimeout;
    this.onBadFraming = onBadFraming;
  }

  /**
   * Starts the clock for a new connection. {@code onTimeout} runs on the connection's event loop
   * and answers 408 (see {@link ErrorResponder#rawResponse}).
   */
  static void install(
      HttpConnection conn,
      Duration timeout,
      Consumer<ChannelHandlerContext> onTimeout,
      Runnable onBadFraming) {
    if (!(conn instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline p = base.channel().pipeline();
    if (p.get("httpDecoder") == null || p.get("handler") == null) {
      return; // not HTTP/1 (h2c is off; TLS-negotiated h2 is not offered)
    }
    ConnectionGuard state = new ConnectionGuard(timeout.toMillis(), onTimeout, onBadFraming);
    p.addBefore("httpDecoder", RAW, state.new Raw());
    p.addBefore("handler", DECODED, state.new Decoded());
    state.arm(p.context(DECODED));
  }

  /** A CONNECT tunnel is no longer HTTP: its bytes must not start the clock. */
  static void remove(NetSocket socket) {
    if (!(socket instanceof NetSocketInternal internal)) {
      return;
    }
    ChannelPipeline p = internal.channelHandlerContext().pipeline();
    for (String name : new String[] {RAW, DECODED}) {
      if (p.get(name) != null) {
        p.remove(name);
      }
    }
  }

  private void arm(ChannelHandlerContext ctx) {
    if (timer == null) {
      timer = ctx.executor().schedule(() -> fire(ctx), timeoutMs, TimeUnit.MILLISECONDS);
    }
  }

  private void disarm() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void fire(ChannelHandlerContext ctx) {
    timer = null;
    if (inFlight == 0 && ctx.channel().isActive()) {
      ctx.channel().attr(TIMED_OUT).set(Boolean.TRUE);
      onTimeout.accept(ctx);
    }
  }

  /**
   * True when {@code conn} was answered 408 by the header timeout. Closing it makes the decoder
   * report the half-received head as an invalid request, which must not be answered or counted a
   * second time.
   */
  static boolean headerTimedOut(HttpConnection conn) {
    return conn instanceof ConnectionBase base
        && Boolean.TRUE.equals(base.channel().attr(TIMED_OUT).get());
  }

  /** Before the decoder: the first byte after the last response starts the clock. */
  private final class Raw extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (inFlight == 0 && msg instanceof ByteBuf b && b.isReadable()) {
        arm(ctx.pipeline().context(DECODED));
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      disarm();
      ctx.fireChannelInactive();
    }
  }

  /** After the decoder: a request head stops the clock; the end of its response re-opens it. */
  private final class Decoded extends ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        inFlight++;
        disarm();
      } else if (msg instanceof HttpContent c && c.decoderResult().isFailure()) {
        c.release();
        disarm();
        ctx.writeAndFlush(ErrorResponder.rawResponse(FailureCode.BAD_FRAMING, RequestIds.next()))
            .addListener(ChannelFutureListener.CLOSE);
        onBadFraming.run();
        return;
      }
      ctx.fireChannelRead(msg);
    }

    /**
     * Vert.x's idleTimeout counts only bytes, so it would close a connection whose request is still
     * queued or upstream, leaving the client without an answer. While a request is in flight the
     * idle event is dropped: requestTimeout and queueTimeout bound that time, and bodyTimeout
     * bounds a body that trickles in.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent && inFlight > 0) {
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof LastHttpContent && inFlight > 0) {
        inFlight--;
      }
      ctx.write(msg, promise);
    }
  }

  /** Writes the 408 through the HTTP encoder and closes. */
  static void answer408(ChannelHandlerContext ctx, String requestId) {
    ctx.writeAndFlush(ErrorResponder.rawResponse(FailureCode.HEADER_TIMEOUT, requestId))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
