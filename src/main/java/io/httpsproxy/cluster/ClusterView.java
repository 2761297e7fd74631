package io.httpsproxy.cluster;

import io.httpsproxy.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The statistics of every node: each node answers on its own address, and {@link #stats()} asks
 * them all (2 s each at most) and adds the counters up. On a single node it is just that node. A
 * node's answer is its statistics snapshot plus its readiness.
 */
public final class ClusterView {
  private static final long ASK_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final Supplier<JsonObject> snapshot;
  private final NodeDirectory nodes;
  private MessageConsumer<JsonObject> consumer;

  /** {@code snapshot} makes this node's answer: it runs on the event loop, so it must not block. */
  public ClusterView(Vertx vertx, Supplier<JsonObject> snapshot, NodeDirectory nodes) {
    this.vertx = vertx;
    this.snapshot = snapshot;
    this.nodes = nodes;
  }

  public Future<Void> start() {
    consumer =
        vertx
            .eventBus()
            .consumer(Addresses.STATS_PREFIX + nodes.selfId(), msg -> msg.reply(snapshot.get()));
    return consumer.completion();
  }

  /** This node's answer, as the other nodes get it. */
  public JsonObject self() {
    return snapshot.get();
  }

  /**
   * {"self": name, "nodeCount": n, "nodes": {nodeName: snapshot | {"error": ...}}, "sum": counters
   * added over the nodes that answered}.
   */
  public Future<JsonObject> stats() {
    List<String> ids = nodes.nodes();
    List<String> names = ids.stream().map(nodes::name).toList();
    List<Future<JsonObject>> asks = new ArrayList<>();
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS);
    for (String id : ids) {
      asks.add(
          vertx
              .eventBus()
              .<JsonObject>request(Addresses.STATS_PREFIX + id, null, opts)
              .map(Message::body)
              .otherwise(t -> new JsonObject().put("error", "unreachable: " + t.getMessage())));
    }
    return Future.join(asks)
        .transform(
            ar -> {
              JsonObject byName = new JsonObject();
              List<JsonObject> answered = new ArrayList<>();
              for (int i = 0; i < ids.size(); i++) {
                JsonObject s = asks.get(i).result();
                byName.put(names.get(i), s);
                if (!s.containsKey("error")) {
                  answered.add(s);
                }
              }
              return Future.succeededFuture(
                  new JsonObject()
                      .put("self", nodes.selfName())
                      .put("nodeCount", ids.size())
                      .put("nodes", byName)
                      .put("sum", StatsSum.of(answered)));
            });
  }
}
