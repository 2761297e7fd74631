package io.httpsproxy.egress;

import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
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
import java.util.ArrayList;
import java.util.List;

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
  private final List<Runnable> goneActions = new ArrayList<>(1);
  private boolean headSent;
  private boolean gone;
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
    if (!gone) {
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
    return gone;
  }

  @Override
  public void onGone(Runnable action) {
    goneActions.add(action);
  }

  private void clientGone() {
    if (gone) {
      return;
    }
    gone = true;
    goneActions.forEach(Runnable::run);
    if (!done && goneActions.isEmpty()) {
      // Still queued: nothing runs for it; its channel goes now, its permit never comes.
      channel.close();
    }
  }

  /** The response sink; its end is the exchange's end, so the channel goes with it. */
  private final class ClosingSink implements WriteStream<Buffer> {
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
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
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
