package io.httpsproxy.egress;

import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.GoneSignal;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.protocol.SinkBase;
import io.httpsproxy.protocol.StreamChannel;
import io.httpsproxy.protocol.StreamFrame;
import io.httpsproxy.protocol.StreamRouter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/**
 * The client side of a request that came from another node, as its worker sees it: the answer head
 * is the event-bus reply to the request, the bodies are {@link StreamFrame}s on the exchange's
 * {@link StreamChannel}. The request body is pulled by granting credit to the ingress; the response
 * body is pushed as far as the ingress's credit goes.
 */
final class RemoteDownstream implements Downstream {
  private final Message<ProxyRequest> msg;
  private final ProxyRequest req;
  private final StreamChannel channel;

  // confined to the worker's event loop
  private final GoneSignal gone = new GoneSignal();
  private boolean headSent;
  private boolean done;

  RemoteDownstream(Message<ProxyRequest> msg, StreamRouter router, Context context, int window) {
    this.msg = msg;
    this.req = msg.body();
    this.channel = router.open(req.stream(), req.origin(), context, window);
    channel.initialCredit(req.responseCredits());
    channel.cancelHandler(this::clientGone).peerLostHandler(this::clientGone);
  }

  @Override
  public ReadStream<Buffer> body() {
    if (!req.hasBody()) {
      return null;
    }
    channel.grantWindow();
    return channel.source();
  }

  @Override
  public WriteStream<Buffer> respond(ProxyReply head) {
    headSent = true;
    msg.reply(head);
    return new ClosingSink(channel.sink());
  }

  @Override
  public void fail(ProxyReply failure) {
    if (done) {
      return;
    }
    done = true;
    if (!gone.gone()) {
      if (headSent) {
        channel.send(StreamFrame.reset(req.stream(), failure));
      } else {
        msg.reply(failure);
      }
    }
    channel.close();
  }

  @Override
  public boolean gone() {
    return gone.gone();
  }

  @Override
  public void onGone(Runnable action) {
    gone.onGone(action);
  }

  private void clientGone() {
    boolean running = gone.raise();
    if (!done && !running) {
      // Still queued: nothing runs for it; its channel goes now, and it will never start.
      channel.close();
    }
  }

  /** The response sink; its end is the exchange's end, so the channel goes with it. */
  private final class ClosingSink extends SinkBase {
    private final WriteStream<Buffer> sink;

    ClosingSink(WriteStream<Buffer> sink) {
      this.sink = sink;
    }

    @Override
    public Future<Void> write(Buffer data) {
      return sink.write(data);
    }

    @Override
    public Future<Void> end() {
      Future<Void> f = sink.end();
      done = true;
      channel.close();
      return f;
    }

    @Override
    public boolean writeQueueFull() {
      return sink.writeQueueFull();
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      sink.drainHandler(handler);
      return this;
    }
  }
}
