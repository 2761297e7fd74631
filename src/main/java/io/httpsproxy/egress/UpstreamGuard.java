package io.httpsproxy.egress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one pooled upstream HTTP/1 connection honest (issue #12 items 9 and 10). Installed by the
 * client's connect handler on each new connection, next to Netty's HTTP codec; it sees the request
 * heads going out and the decoded response parts coming in, and what arrives raw before decoding.
 *
 * <ul>
 *   <li>A status outside 100-599, another version than HTTP/1.0 or 1.1, a 101 (the proxy never asks
 *       to upgrade: Upgrade is hop-by-hop) or a head the decoder could not parse fails the
 *       outstanding request with {@code UPSTREAM_PROTOCOL} and closes the connection.
 *   <li>Other 1xx than 100 (102, 103, ...) are interim answers: dropped, the final one follows.
 *   <li>Bytes while no request is outstanding (an unsolicited response, noise while pooled), or
 *       bytes left in the decoder after a response's last byte (more than its framing allows),
 *       close the connection and it is never handed to another request: otherwise those bytes would
 *       be read as the answer to the next request sent on it (response-queue poisoning).
 * </ul>
 *
 * <p>Confined to the connection's event loop, like the pipeline it sits in.
 */
final class UpstreamGuard extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamGuard.class);
  static final String NAME = "upstream-guard";
  private static final String RAW_NAME = "upstream-guard-raw";
  private static final Field CUMULATION = field(ByteToMessageDecoder.class, "cumulation");
  private static final Field INBOUND = field(CombinedChannelDuplexHandler.class, "inboundHandler");

  private final ByteToMessageDecoder decoder;

  // confined to the connection's event loop
  private int outstanding; // request heads written whose final response has not ended
  private HttpResponse current; // the final response being read, null between responses
  private boolean interim; // inside a dropped 1xx (its empty LastHttpContent is dropped too)
  private boolean dead;

  private UpstreamGuard(ByteToMessageDecoder decoder) {
    this.decoder = decoder;
  }

  /** The client's connect handler: guards an HTTP/1 connection; leaves others as they are. */
  static void install(HttpConnection conn) {
    if (!(conn instanceof io.vertx.core.net.impl.ConnectionBase base)) {
      return;
    }
    ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
    if (!(pipeline.get("codec") instanceof HttpClientCodec codec) || pipeline.get(NAME) != null) {
      return;
    }
    // Expected failures (resets, the guard's own refusals) are the request's to report, at DEBUG.
    conn.exceptionHandler(t -> LOG.debug("upstream connection: {}", t.toString()));
    UpstreamGuard guard = new UpstreamGuard(decoderOf(codec));
    pipeline.addBefore("codec", RAW_NAME, guard.new RawWatch());
    pipeline.addAfter("codec", NAME, guard);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    if (msg instanceof HttpRequest) {
      outstanding++;
    }
    super.write(ctx, msg, promise);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (dead || !(msg instanceof HttpObject obj)) {
      if (dead) {
        ReferenceCountUtil.release(msg);
        return;
      }
      super.channelRead(ctx, msg);
      return;
    }
    if (obj.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      refuse(ctx, "upstream sent a malformed response: " + describe(obj.decoderResult().cause()));
      return;
    }
    if (obj instanceof HttpResponse resp && !head(ctx, resp)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (obj instanceof LastHttpContent && interim) {
      interim = false;
      ReferenceCountUtil.release(msg);
      return;
    }
    if (obj instanceof LastHttpContent) {
      last(ctx, msg);
      return;
    }
    super.channelRead(ctx, msg);
  }

  /** A response head: true when it goes on to Vert.x. */
  private boolean head(ChannelHandlerContext ctx, HttpResponse resp) {
    int status = resp.status().code();
    if (outstanding == 0 || current != null) {
      poisoned(ctx, "a response nobody asked for");
      return false;
    }
    if (status < 100 || status > 599) {
      refuse(ctx, "upstream sent an invalid status code " + status + " (expected: 100-599)");
      return false;
    }
    if (resp.protocolVersion().majorVersion() != 1 || resp.protocolVersion().minorVersion() > 1) {
      refuse(
          ctx, "upstream answered in " + resp.protocolVersion().text() + " (expected: HTTP/1.x)");
      return false;
    }
    if (status == 101) {
      refuse(ctx, "upstream switched protocols (101) though no upgrade was asked for");
      return false;
    }
    if (status > 100 && status < 200) {
      interim = true; // 102 Processing, 103 Early Hints, ...: the final answer follows
      return false;
    }
    if (status >= 200) {
      current = resp;
    }
    return true;
  }

  private void last(ChannelHandlerContext ctx, Object msg) {
    HttpResponse resp = current;
    if (resp == null) {
      // the end of a 100 Continue: Vert.x ignores it, the final answer follows
      ctx.fireChannelRead(msg);
      return;
    }
    current = null;
    outstanding--;
    boolean leftover = leftover();
    if (leftover) {
      // Vert.x decides at this end whether the connection goes back to the pool: say close.
      resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.fireChannelRead(msg);
    if (leftover) {
      poisoned(ctx, "bytes after the end of a response");
    }
  }

  /** A protocol error while a request is outstanding: that request fails, the connection closes. */
  private void refuse(ChannelHandlerContext ctx, String message) {
    dead = true;
    LOG.debug("{}: {}; connection closed", ctx.channel().remoteAddress(), message);
    ctx.fireExceptionCaught(new ProxyException(FailureCode.UPSTREAM_PROTOCOL, message));
    ctx.close();
  }

  /** Bytes no request asked for: the connection is closed, never reused. */
  private void poisoned(ChannelHandlerContext ctx, String what) {
    dead = true;
    LOG.debug("{}: {}; connection closed, not reused", ctx.channel().remoteAddress(), what);
    ctx.close();
  }

  /** True when the decoder still holds bytes: called at a response's last part. */
  private boolean leftover() {
    if (decoder == null || CUMULATION == null) {
      return false;
    }
    try {
      return CUMULATION.get(decoder) instanceof ByteBuf b && b.isReadable();
    } catch (IllegalAccessException e) {
      return false;
    }
  }

  private static String describe(Throwable t) {
    String m = t == null ? null : t.getMessage();
    if (m == null || m.isBlank()) {
      return t == null ? "unknown" : t.getClass().getSimpleName();
    }
    return m.length() > 120 ? m.substring(0, 120) : m;
  }

  /** Before the codec: raw bytes while nothing is outstanding poison the connection. */
  private final class RawWatch extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (dead) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (outstanding == 0 && msg instanceof ByteBuf b && b.isReadable()) {
        ReferenceCountUtil.release(msg);
        poisoned(ctx, "bytes while no request was outstanding");
        return;
      }
      super.channelRead(ctx, msg);
    }
  }

  /**
   * Netty offers no accessor for what its decoder holds (nor public access to the codec's decoder),
   * so the guard reads the fields; without them (another Netty) the leftover check is off and the
   * other checks remain.
   */
  private static Field field(Class<?> owner, String name) {
    try {
      Field f = owner.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("{}.{} cannot be read: leftover upstream bytes go unchecked", owner, name, e);
      return null;
    }
  }

  private static ByteToMessageDecoder decoderOf(HttpClientCodec codec) {
    try {
      return INBOUND != null && INBOUND.get(codec) instanceof ByteToMessageDecoder d ? d : null;
    } catch (IllegalAccessException e) {
      return null;
    }
  }
}
