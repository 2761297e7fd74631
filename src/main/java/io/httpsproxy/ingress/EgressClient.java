package io.httpsproxy.ingress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.Addresses;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.util.List;

/**
 * The ingress side of the queue: puts a request on the event bus with its deadlines and waits for
 * the worker's reply. The send timeout is only a safety net (a worker always answers by the queue
 * deadline plus the request timeout); if it fires, the client still gets an answer (504).
 */
final class EgressClient {
  private static final long SAFETY_MARGIN_MS = 5_000;

  private final Vertx vertx;
  private final ProxyConfig config;
  private final ProxyStats stats;
  private final DeliveryOptions delivery;

  EgressClient(Vertx vertx, ProxyConfig config, ProxyStats stats) {
    this.vertx = vertx;
    this.config = config;
    this.stats = stats;
    long budget =
        config.queueTimeout().toMillis() + config.requestTimeout().toMillis() + SAFETY_MARGIN_MS;
    this.delivery = new DeliveryOptions().setSendTimeout(budget);
  }

  Future<ProxyReply> send(
      Exchange ex, String method, String url, List<Header> headers, Buffer body) {
    ProxyRequest req =
        new ProxyRequest(
            ex.id(),
            method,
            url,
            ex.trace().forUpstream(headers),
            body,
            ex.acceptedAtMs(),
            ex.acceptedAtMs() + config.queueTimeout().toMillis(),
            config.requestTimeout().toMillis());
    stats.awaitingReply().incrementAndGet();
    return vertx
        .eventBus()
        .<ProxyReply>request(Addresses.EGRESS, req, delivery)
        .map(Message::body)
        .andThen(ar -> stats.awaitingReply().decrementAndGet());
  }
}
