package io.httpsproxy.ingress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.ShutdownEvent;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Per-connection defences Vert.x has no hook for, as two Netty handlers around the HTTP decoder.
 *
 * <p>Malformed body framing (a bad chunk-size line): Netty marks the chunk as failed after the
 * request head went through; Vert.x would close the connection without an answer. The guard answers
 * 400 BAD_FRAMING and closes instead; the chunk goes no further, so nothing that follows it on the
 * connection can reach the upstream.
 *
 * <p>Syntax Netty lets pass (issue #12 items 6 and 7), refused before Vert.x sees a request: more
 * than {@link HeadChecks#MAX_EMPTY_LINES} empty lines, or a byte other than CR and LF, before a
 * request line (400: RFC 9112 section 2.2 asks a server to ignore "at least one" empty line, not
 * any number); a protocol other than HTTP/1.0 and HTTP/1.1 (505, or 400 when it is not spelled
 * {@code HTTP/x.y}); more header lines than {@code maxHeaderCount} (431: maxHeaderSize bounds the
 * bytes, not the lines).
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
   * During a drain, an idle kept-alive connection is closed after this long without a byte: a
   * request the client sent just before the drain began is still served.
   */
  static final long DRAIN_IDLE_GRACE_MS = 2_000;

  /** How long after the shutdown event the drain's closing begins: see {@link #onShutdown}. */
  static final long LISTENER_SETTLE_MS = 200;

  /**
   * Set on a channel answered here (408 by the header timeout, or a refusal): the half request the
   * decoder reports when it closes is not answered again.
   */
  private static final AttributeKey<Boolean> ANSWERED =
      AttributeKey.valueOf("https-proxy.answeredRaw");

  /**
   * Where a refused connection's answer goes: written through the HTTP encoder from {@code ctx},
   * counted, logged, and the connection closed. {@code waitedMs} is the time the refusal took.
   */
  interface Refusals {
    void refuse(ChannelHandlerContext ctx, ProxyException reason, long waitedMs);
  }

  private final long timeoutMs;
  private final int maxHeaderCount;
  private final Refusals refusals;
  private final Runnable onBadFraming;

  // confined to the connection's event loop (Netty calls handlers there)
  private ScheduledFuture<?> timer;
  private int inFlight;

  /** A request head has been decoded and its last content has not: bytes are its body. */
  private boolean inMessage;

  private final HeadChecks.Leading leading = new HeadChecks.Leading();

  /** The node is draining: see {@link #onShutdown}. */
  private boolean draining;

  private ScheduledFuture<?> idleClose;

  /** Refused: nothing more from this connection is read. */
  private boolean refused;

  /** A refusal that waits for the answers to the requests pipelined before it. */
  private ProxyException pending;

  private ConnectionGuard(
      long timeoutMs, int maxHeaderCount, Refusals refusals, Runnable onBadFraming) {
    this.timeoutMs = timeoutMs;
    this.maxHeaderCount = maxHeaderCount;
    this.refusals = refusals;
    this.onBadFraming = onBadFraming;
  }

  /** Starts the clock for a new connection; refusals are answered through {@code refusals}. */
  static void install(
      HttpConnection conn,
      Duration timeout,
      int maxHeaderCount,
      Refusals refusals,
      Runnable onBadFraming) {
    if (!(conn instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline p = base.channel().pipeline();
    if (p.get("httpDecoder") == null || p.get("handler") == null) {
      return; // not HTTP/1 (h2c is off; TLS-negotiated h2 is not offered)
    }
    ConnectionGuard state =
        new ConnectionGuard(timeout.toMillis(), maxHeaderCount, refusals, onBadFraming);
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
    if (inFlight == 0 && ctx.channel().isActive() && !refused) {
      ctx.channel().attr(ANSWERED).set(Boolean.TRUE);
      refused = true;
      refusals.refuse(ctx, new ProxyException(FailureCode.HEADER_TIMEOUT), timeoutMs);
    }
  }

  /**
   * A drain began. Vert.x's own reaction to its shutdown event would close an idle connection at
   * once, dropping a request already on its way, and close a busy one after its response without
   * telling the client. Instead: every final response from now on says {@code Connection: close}
   * and the connection closes after it; an idle connection stays open until {@link
   * #DRAIN_IDLE_GRACE_MS} pass without a byte (a request that arrives meanwhile is served, and
   * answered with close). drainTimeout still bounds it all: Vert.x closes what is left then.
   *
   * <p>It starts {@link #LISTENER_SETTLE_MS} after the event: each event loop's server gets the
   * event when its own share of the listening socket is released, the socket itself closes with the
   * last of them. A client told to close before that reconnects here, is accepted by the kernel and
   * then reset when the socket closes; after it, its connect is refused and it goes elsewhere.
   */
  private void onShutdown(ChannelHandlerContext ctx) {
    ctx.executor()
        .schedule(
            () -> {
              draining = true;
              if (inFlight == 0 && ctx.channel().isActive()) {
                idleClose(ctx);
              }
            },
            LISTENER_SETTLE_MS,
            TimeUnit.MILLISECONDS);
  }

  /** (Re)starts the drain's grace for an idle connection. */
  private void idleClose(ChannelHandlerContext ctx) {
    if (idleClose != null) {
      idleClose.cancel(false);
    }
    idleClose =
        ctx.executor()
            .schedule(
                () -> {
                  idleClose = null;
                  if (inFlight == 0) {
                    ctx.channel().close();
                  }
                },
                DRAIN_IDLE_GRACE_MS,
                TimeUnit.MILLISECONDS);
  }

  /**
   * Answers {@code reason} and closes; what the connection still sends is dropped. Requests
   * pipelined before it get their answers first (RFC 9112 section 9.3.2): the refusal waits for the
   * last of them.
   */
  private void refuse(ChannelHandlerContext any, ProxyException reason) {
    refused = true;
    disarm();
    any.channel().attr(ANSWERED).set(Boolean.TRUE);
    if (inFlight > 0) {
      pending = reason;
      return;
    }
    refusals.refuse(any.pipeline().context(DECODED), reason, 0);
  }

  /**
   * True when {@code conn} was answered here (header timeout, refusal). Closing it makes the
   * decoder report the half-received head as an invalid request, which must not be answered or
   * counted a second time.
   */
  static boolean answered(HttpConnection conn) {
    return conn instanceof ConnectionBase base
        && Boolean.TRUE.equals(base.channel().attr(ANSWERED).get());
  }

  /** Before the decoder: the first byte after the last response starts the clock. */
  private final class Raw extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (refused) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof ByteBuf b && b.isReadable()) {
        if (inFlight == 0) {
          arm(ctx.pipeline().context(DECODED));
        }
        if (draining) {
          idleClose(ctx.pipeline().context(DECODED)); // bytes came: the grace starts again
        }
        ProxyException bad = inMessage ? null : leading.scan(b);
        if (bad != null) {
          b.release();
          refuse(ctx, bad);
          return;
        }
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
      if (refused) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpRequest r) {
        inFlight++;
        disarm();
        inMessage = true;
        leading.started();
        ProxyException bad =
            r.decoderResult().isSuccess() ? HeadChecks.problem(r, maxHeaderCount) : null;
        if (bad != null) {
          inFlight--; // never reaches Vert.x: no response of its own will end it
          ReferenceCountUtil.release(msg);
          refuse(ctx, bad);
          return;
        }
      }
      if (msg instanceof LastHttpContent) {
        inMessage = false;
        leading.reset();
      }
      if (!(msg instanceof HttpRequest)
          && msg instanceof HttpContent c
          && c.decoderResult().isFailure()) {
        c.release();
        disarm();
        refused = true;
        answer(ctx, new ProxyException(FailureCode.BAD_FRAMING), RequestIds.next());
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
      if (evt instanceof ShutdownEvent) {
        onShutdown(ctx); // not passed on: Vert.x would close this connection its own way
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (draining && msg instanceof HttpResponse r && r.status().code() >= 200) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
      boolean last = msg instanceof LastHttpContent;
      if (last && inFlight > 0) {
        inFlight--;
      }
      ctx.write(msg, promise);
      if (draining && last && inFlight == 0 && pending == null) {
        // Writes go out in order: the close follows the response's last byte.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
      if (pending != null && inFlight == 0) {
        ProxyException reason = pending;
        pending = null;
        refusals.refuse(ctx, reason, 0);
      }
    }
  }

  /** Writes the answer through the HTTP encoder and closes. */
  static void answer(ChannelHandlerContext ctx, ProxyException reason, String requestId) {
    ctx.writeAndFlush(ErrorResponder.rawResponse(reason, requestId))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
