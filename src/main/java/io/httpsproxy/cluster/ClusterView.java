package io.httpsproxy.cluster;

import io.httpsproxy.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The statistics of every node: each node answers on its own address, and {@link #stats()} asks
 * them all (2 s each at most) and adds the counters up. On a single node it is just that node. A
 * node's answer is its statistics snapshot plus its readiness.
 *
 * <p>It also remembers the nodes that left the cluster (killed, partitioned or drained), by name
 * and when, so that a dashboard shows them as lost instead of silently dropping them: at most
 * {@value #MAX_LOST}, the oldest forgotten first, and a node is no longer lost once a member by its
 * name is back.
 */
public final class ClusterView {
  private static final long ASK_TIMEOUT_MS = 2_000;

  /** Nodes that left and are remembered: a cluster's worth, bounded. */
  static final int MAX_LOST = 16;

  private final Vertx vertx;
  private final Supplier<JsonObject> snapshot;
  private final NodeDirectory nodes;

  /** Name to the epoch ms it left, oldest first; written on Hazelcast threads, read on loops. */
  private final Map<String, Long> lost = new LinkedHashMap<>();

  private MessageConsumer<JsonObject> consumer;

  /** {@code snapshot} makes this node's answer: it runs on the event loop, so it must not block. */
  public ClusterView(Vertx vertx, Supplier<JsonObject> snapshot, NodeDirectory nodes) {
    this.vertx = vertx;
    this.snapshot = snapshot;
    this.nodes = nodes;
    nodes.onRemoved(id -> left(nodes.name(id), System.currentTimeMillis()));
  }

  /** Node {@code name} left at {@code atMs}. */
  void left(String name, long atMs) {
    synchronized (lost) {
      lost.remove(name);
      lost.put(name, atMs);
      while (lost.size() > MAX_LOST) {
        lost.remove(lost.keySet().iterator().next());
      }
    }
  }

  /** {name: {lostAt, lostAtMs}} of the remembered nodes that left and are not back. */
  JsonObject lost(List<String> liveNames) {
    JsonObject out = new JsonObject();
    synchronized (lost) {
      lost.keySet().removeAll(liveNames);
      lost.forEach(
          (name, ms) ->
              out.put(
                  name,
                  new JsonObject()
                      .put("lostAt", java.time.Instant.ofEpochMilli(ms).toString())
                      .put("lostAtMs", ms)));
    }
    return out;
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
                      .put("lost", lost(names))
                      .put("sum", StatsSum.of(answered)));
            });
  }
}
