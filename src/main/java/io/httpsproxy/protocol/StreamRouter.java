package io.httpsproxy.protocol;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's one consumer of {@link Addresses#stream}: hands each arriving frame to the channel of
 * its exchange, on that channel's context, in arrival order. Frames for an exchange that has ended
 * are dropped (a late chunk or credit after a reset). A node that leaves the cluster takes its
 * channels with it: {@link #peerLost} ends every exchange that streamed with it.
 *
 * <p>Shared by every event loop of the node: the map is concurrent; each channel's state is
 * confined to its own context.
 */
public final class StreamRouter {
  private final Vertx vertx;
  private final String selfId;
  private final Map<String, StreamChannel> channels = new ConcurrentHashMap<>();
  private MessageConsumer<StreamFrame> consumer;

  public StreamRouter(Vertx vertx, String selfId) {
    this.vertx = vertx;
    this.selfId = selfId;
  }

  public Future<Void> start() {
    consumer =
        vertx
            .eventBus()
            .consumer(
                Addresses.stream(selfId),
                msg -> {
                  StreamFrame f = msg.body();
                  StreamChannel ch = channels.get(f.stream());
                  if (ch != null) {
                    ch.context().runOnContext(v -> ch.onFrame(f));
                  }
                });
    return consumer.completion();
  }

  /**
   * A channel for exchange {@code key} with node {@code peer}, confined to {@code context} (the
   * caller's). {@code window} is how many chunks this side lets the peer send before granting more.
   */
  public StreamChannel open(String key, String peer, Context context, int window) {
    StreamChannel ch = new StreamChannel(this, key, peer, context, window);
    channels.put(key, ch);
    return ch;
  }

  void send(String peer, StreamFrame frame) {
    vertx.eventBus().send(Addresses.stream(peer), frame);
  }

  void remove(String key) {
    channels.remove(key);
  }

  /** Channels open now (a gauge, and the tests' proof that ended exchanges leave nothing). */
  public int open() {
    return channels.size();
  }

  /** Node {@code nodeId} left the cluster: every exchange streaming with it ends. */
  public void peerLost(String nodeId) {
    for (StreamChannel ch : channels.values()) {
      if (ch.peer().equals(nodeId)) {
        ch.context().runOnContext(v -> ch.peerLost());
      }
    }
  }
}
