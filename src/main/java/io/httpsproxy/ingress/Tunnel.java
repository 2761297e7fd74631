package io.httpsproxy.ingress;

import io.httpsproxy.admission.ConnectionLimiter;
import io.httpsproxy.metrics.ProxyStats;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An open CONNECT tunnel: bytes pumped both ways with back-pressure and counted as they pass; when
 * either side closes or ends, both close, and the tunnel slot is released exactly once.
 */
final class Tunnel {
  private static final String IDLE_HANDLER = "idle";

  private final NetSocket client;
  private final NetSocket upstream;
  private final ProxyStats stats;
  private final ConnectionLimiter slots;
  private final LongBiConsumer onClosed;

  // confined to the ingress verticle's event loop (both sockets live on it)
  private boolean closed;
  private long fromClient;
  private long toClient;

  /** Told the bytes each way once, when the tunnel closes (for the access log). */
  interface LongBiConsumer {
    void accept(long fromClient, long toClient);
  }

  Tunnel(
      NetSocket client,
      NetSocket upstream,
      ProxyStats stats,
      ConnectionLimiter slots,
      LongBiConsumer onClosed) {
    this.client = client;
    this.upstream = upstream;
    this.stats = stats;
    this.slots = slots;
    this.onClosed = onClosed;
  }

  void start(Duration idleTimeout) {
    stats.tunnelOpened();
    replaceIdleTimeout(client, idleTimeout);
    replaceIdleTimeout(upstream, idleTimeout);
    ConnectionGuard.remove(client);
    pump(client, upstream, true);
    pump(upstream, client, false);
    client.closeHandler(v -> close());
    upstream.closeHandler(v -> close());
    client.exceptionHandler(t -> close());
    upstream.exceptionHandler(t -> close());
  }

  private void pump(NetSocket from, NetSocket to, boolean fromClient) {
    from.handler(
        buf -> {
          if (fromClient) {
            stats.tunnelBytes(buf.length(), 0);
            this.fromClient += buf.length();
          } else {
            stats.tunnelBytes(0, buf.length());
            this.toClient += buf.length();
          }
          to.write(buf);
          if (to.writeQueueFull()) {
            from.pause();
            to.drainHandler(v -> from.resume());
          }
        });
    from.endHandler(v -> close());
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    stats.tunnelClosed();
    slots.release();
    client.close();
    upstream.close();
    onClosed.accept(fromClient, toClient);
  }

  /**
   * The client connection keeps the HTTP server's idle timeout after the upgrade; a tunnel gets its
   * own (tunnelIdleTimeout). Each side sees the same bytes, so either idle timer means "no byte
   * either way for that long". Vert.x documents the pipeline of NetSocketInternal as the way to
   * change handlers of an upgraded socket.
   */
  private static void replaceIdleTimeout(NetSocket socket, Duration timeout) {
    if (!(socket instanceof NetSocketInternal internal)) {
      return;
    }
    ChannelPipeline pipeline = internal.channelHandlerContext().pipeline();
    IdleStateHandler idle = new IdleStateHandler(0, 0, timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (pipeline.get(IDLE_HANDLER) != null) {
      pipeline.replace(IDLE_HANDLER, IDLE_HANDLER, idle);
    } else {
      pipeline.addFirst(IDLE_HANDLER, idle);
    }
  }
}
