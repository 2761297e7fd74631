package io.httpsproxy.ingress;

import io.httpsproxy.cluster.NodeDirectory;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.Addresses;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.security.Target;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The ingress side of the queue: picks a node, puts the request on that node's egress address with
 * its deadlines, and makes sure the client gets one answer whatever happens to the node.
 *
 * <ul>
 *   <li>No consumer there (a node starting or draining): nothing was delivered, so it is sent to
 *       another node.
 *   <li>The node leaves the cluster (killed, frozen past the heartbeat timeout): an idempotent
 *       request (RFC 9110 section 9.2.2) whose queue deadline has not passed is sent to another
 *       node; any other gets 502 NODE_LOST at once, so a POST never runs twice.
 *   <li>The send timeout is only a safety net: a worker always answers by the queue deadline plus
 *       the request timeout.
 * </ul>
 */
final class EgressClient {
  private static final long SAFETY_MARGIN_MS = 5_000;
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  private final Vertx vertx;
  private final Supplier<ProxyConfig> config;
  private final ProxyStats stats;
  private final NodeDirectory nodes;

  // confined to the ingress verticle's event loop: attempts in flight, by the node they went to
  private final Map<String, Set<Attempt>> inFlight = new HashMap<>();

  /** The reply deadline for the config in force, remade when a reload replaces the config. */
  private DeliveryOptions delivery;

  private ProxyConfig deliveryFor;

  EgressClient(
      Vertx vertx,
      Context context,
      Supplier<ProxyConfig> config,
      ProxyStats stats,
      NodeDirectory nodes) {
    this.vertx = vertx;
    this.config = config;
    this.stats = stats;
    this.nodes = nodes;
    nodes.onRemoved(id -> context.runOnContext(v -> nodeLost(id)));
  }

  Future<ProxyReply> send(
      Exchange ex, String method, Target target, List<Header> headers, Buffer body) {
    ProxyConfig config = this.config.get();
    if (config != deliveryFor) {
      long budget =
          config.queueTimeout().toMillis() + config.requestTimeout().toMillis() + SAFETY_MARGIN_MS;
      delivery = new DeliveryOptions().setSendTimeout(budget);
      deliveryFor = config;
    }
    ProxyRequest req =
        new ProxyRequest(
            ex.id(),
            method,
            target,
            ex.trace().forUpstream(headers),
            body,
            ex.acceptedAtMs(),
            ex.acceptedAtMs() + config.queueTimeout().toMillis(),
            config.requestTimeout().toMillis());
    stats.awaitingReply().incrementAndGet();
    Attempt attempt = new Attempt(req, delivery);
    attempt.go();
    return attempt.result.future().andThen(ar -> stats.awaitingReply().decrementAndGet());
  }

  private void nodeLost(String nodeId) {
    Set<Attempt> lost = inFlight.remove(nodeId);
    if (lost == null) {
      return;
    }
    for (Attempt a : lost) {
      a.retryOrFail(
          new ProxyException(
              FailureCode.NODE_LOST,
              "the node serving the request left the cluster (" + nodeId + ")"));
    }
  }

  /** One request's way to a reply, across as many nodes as it takes. */
  private final class Attempt {
    private final ProxyRequest req;
    private final DeliveryOptions delivery;
    private final Promise<ProxyReply> result = Promise.promise();
    private final Set<String> tried = new HashSet<>();
    private String node;

    Attempt(ProxyRequest req, DeliveryOptions delivery) {
      this.req = req;
      this.delivery = delivery;
    }

    void go() {
      node = nodes.pick(tried);
      if (node == null) {
        result.tryFail(new ProxyException(FailureCode.NO_WORKERS));
        return;
      }
      String sentTo = node;
      tried.add(sentTo);
      inFlight.computeIfAbsent(sentTo, k -> new LinkedHashSet<>()).add(this);
      vertx
          .eventBus()
          .<ProxyReply>request(Addresses.egress(sentTo), req, delivery)
          .onComplete(ar -> replied(sentTo, ar));
    }

    private void replied(String sentTo, AsyncResult<Message<ProxyReply>> ar) {
      Set<Attempt> onNode = inFlight.get(sentTo);
      if (onNode == null || !onNode.remove(this)) {
        return; // already answered when the node was lost
      }
      if (ar.succeeded()) {
        result.tryComplete(ar.result().body());
      } else if (ar.cause() instanceof ReplyException r
          && r.failureType() == ReplyFailure.NO_HANDLERS) {
        go(); // nothing was delivered: another node may take it
      } else {
        result.tryFail(ar.cause());
      }
    }

    void retryOrFail(ProxyException lost) {
      boolean idempotent = IDEMPOTENT.contains(req.method());
      if (idempotent && System.currentTimeMillis() < req.queueDeadlineMs()) {
        go();
      } else {
        result.tryFail(lost);
      }
    }
  }
}
