package io.httpsproxy.ingress;

import io.httpsproxy.cluster.NodeDirectory;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.egress.EgressWorker;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.BodyPipe;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.LocalCall;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.protocol.StreamChannel;
import io.httpsproxy.protocol.StreamFrame;
import io.httpsproxy.protocol.StreamRouter;
import io.httpsproxy.security.ForwardedHeaders;
import io.httpsproxy.security.Target;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The ingress side of the queue: picks a node, puts the request on the event bus with its
 * deadlines, and makes sure the client gets one answer whatever happens to the node.
 *
 * <ul>
 *   <li>This node: a {@link LocalCall} to the worker of this same event loop, delivered locally;
 *       the worker pipes the bodies straight between the two connections.
 *   <li>Another node: the request head to that node's egress address; its reply is the answer head,
 *       and the bodies stream as credit-controlled frames on a {@link StreamChannel}.
 *   <li>No consumer there (a node starting or draining): nothing was delivered, so it is sent to
 *       another node.
 *   <li>The node leaves the cluster before the answer head: an idempotent request (RFC 9110 section
 *       9.2.2) whose queue deadline has not passed and whose body was not yet sent is sent to
 *       another node; any other gets 502 NODE_LOST at once, so a POST never runs twice. After the
 *       head, the client's answer is cut off (its connection closed), never ended as complete.
 *   <li>The node answers NODE_FENCED (it had just woken from a freeze, see {@link
 *       io.httpsproxy.cluster.NodeFence}): it ran nothing, so any method goes to another node.
 *   <li>This node itself just woke from a freeze: the request waits out the fence window first, so
 *       that a client that left during the freeze is seen gone and its request never starts.
 *   <li>The send timeout is only a safety net: a worker always answers by the queue deadline plus
 *       the request timeout.
 * </ul>
 */
final class EgressClient {
  private static final long SAFETY_MARGIN_MS = 5_000;
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final Context context;
  private final Supplier<ProxyConfig> config;
  private final ProxyStats stats;
  private final NodeDirectory nodes;
  private final StreamRouter router;
  private final String localAddress;

  // confined to the ingress verticle's event loop
  /** The reply deadline for the config in force, remade when a reload replaces the config. */
  private DeliveryOptions delivery;

  private ProxyConfig deliveryFor;

  EgressClient(
      Vertx vertx,
      Context context,
      Supplier<ProxyConfig> config,
      ProxyStats stats,
      NodeDirectory nodes,
      StreamRouter router,
      String localAddress) {
    this.vertx = vertx;
    this.context = context;
    this.config = config;
    this.stats = stats;
    this.nodes = nodes;
    this.router = router;
    this.localAddress = localAddress;
  }

  /**
   * Sends the request; {@code down} gets its one answer. {@code bodyLength} is {@link
   * ProxyRequest#NO_BODY}, {@link ProxyRequest#UNKNOWN_LENGTH} or the Content-Length.
   */
  void send(
      Exchange ex,
      String method,
      Target target,
      List<Header> headers,
      long bodyLength,
      long maxResponseBytes,
      Downstream down) {
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
            ForwardedHeaders.apply(
                config.headers().forwardedPolicy(),
                ex.trace().forUpstream(headers),
                ex.caller().address()),
            bodyLength,
            ex.acceptedAtMs(),
            ex.acceptedAtMs() + config.queueTimeout().toMillis(),
            config.requestTimeout().toMillis(),
            maxResponseBytes,
            null,
            null,
            0);
    stats.awaitingReply().incrementAndGet();
    Attempt attempt = new Attempt(req, new Answered(down), EgressWorker.window(config), delivery);
    long holdMs = nodes.fence().holdMs();
    if (holdMs > 0) {
      // Just woken from a freeze: the closes the kernel buffered meanwhile are read first.
      nodes.fence().countHeldLocal();
      vertx.setTimer(holdMs, id -> attempt.afterHold());
      return;
    }
    attempt.go();
  }

  /**
   * The request reached no handler: no consumer (NO_HANDLERS), or one that had just unregistered (a
   * draining node) and discarded it, which Vert.x 5.0.7 answers at once with a TIMEOUT whose
   * message says "Discarded" (HandlerRegistration.discardMessage). Neither ran it, so any method
   * may go to another node; a real timeout (no answer within the delivery budget) says "Timed out"
   * and is not retried.
   */
  static boolean neverDelivered(ReplyException r) {
    return r.failureType() == ReplyFailure.NO_HANDLERS
        || (r.failureType() == ReplyFailure.TIMEOUT
            && r.getMessage() != null
            && r.getMessage().startsWith("Discarded"));
  }

  /** One request's way to an answer, across as many nodes as it takes. */
  private final class Attempt {
    private final ProxyRequest req;
    private final Downstream down;
    private final int window;
    private final DeliveryOptions delivery;
    private final Set<String> tried = new HashSet<>();

    // confined to the ingress verticle's event loop; per node tried
    private StreamChannel channel;
    private boolean bodyStarted;
    private boolean headSeen;
    private boolean done;

    /** The last NODE_FENCED answer: the client's if no other node is left to try. */
    private ProxyReply fencedAnswer;

    Attempt(ProxyRequest req, Downstream down, int window, DeliveryOptions delivery) {
      this.req = req;
      this.down = down;
      this.window = window;
      this.delivery = delivery;
    }

    /** Held after a freeze: a request whose client left meanwhile is never started. */
    void afterHold() {
      if (down.gone()) {
        stats.abandoned();
        finish(
            ProxyReply.failed(
                FailureCode.CLIENT_GONE, "the client left while the node was frozen", 0, 0, null));
        return;
      }
      go();
    }

    void go() {
      String node = nodes.pick(tried);
      if (node == null) {
        finish(
            fencedAnswer != null
                ? fencedAnswer
                : ProxyReply.failed(FailureCode.NO_WORKERS, null, 0, 0, null));
        return;
      }
      tried.add(node);
      if (node.equals(nodes.selfId())) {
        // From here this node's worker answers the client: whatever an earlier node still says
        // (a late NODE_FENCED after its freeze, its loss) must not send the request on again.
        channel = null;
        vertx.eventBus().send(localAddress, new LocalCall(req, down), LOCAL);
        return;
      }
      String key = nodes.selfId() + "/" + req.id() + "/" + tried.size();
      channel = router.open(key, node, context, window);
      StreamChannel ch = channel;
      ch.firstCreditHandler(() -> sendBody(ch))
          .peerLostHandler(() -> lost(ch, node))
          .resetHandler(r -> {}); // the source fails with it; the response pipe reports it
      down.onGone(() -> cancel(ch));
      ProxyRequest remote =
          new ProxyRequest(
              req.id(),
              req.method(),
              req.target(),
              req.headers(),
              req.bodyLength(),
              req.acceptedAtMs(),
              req.queueDeadlineMs(),
              req.requestTimeoutMs(),
              req.maxResponseBytes(),
              key,
              nodes.selfId(),
              window);
      vertx
          .eventBus()
          .<ProxyReply>request(io.httpsproxy.protocol.Addresses.egress(node), remote, delivery)
          .onComplete(ar -> replied(ch, ar));
    }

    /** The worker asked for the body: it streams to the peer from now on (no retry after). */
    private void sendBody(StreamChannel ch) {
      if (done || ch != channel) {
        return;
      }
      ReadStream<Buffer> body = down.body();
      if (body == null) {
        return;
      }
      bodyStarted = true;
      new BodyPipe(vertx, body, ch.sink())
          .start()
          .onFailure(
              t -> {
                // The client side failed (413, 408, gone): the peer stops, the client is answered.
                ProxyException e = ErrorResponder.toProxyException(t, req.id());
                ch.send(StreamFrame.reset(ch.key(), ProxyReply.failed(e, 0, 0, null)));
                end(ch, ProxyReply.failed(e, 0, 0, ch.peer()));
              });
    }

    private void replied(StreamChannel ch, AsyncResult<Message<ProxyReply>> ar) {
      if (done || ch != channel) {
        return; // answered already (node lost, client gone, a body failure)
      }
      if (ar.succeeded()) {
        ProxyReply head = ar.result().body();
        if (head.failure() == FailureCode.NODE_FENCED) {
          fencedAnswer = head;
          ch.close();
          go(); // that node ran nothing (it had been frozen): any method may go elsewhere
        } else if (head.isFailure()) {
          end(ch, head);
        } else {
          stream(ch, head);
        }
      } else if (ar.cause() instanceof ReplyException r && neverDelivered(r)) {
        ch.close();
        go(); // nothing was delivered: another node may take it
      } else {
        ch.send(StreamFrame.of(ch.key(), StreamFrame.Kind.CANCEL));
        end(
            ch,
            ProxyReply.failed(ErrorResponder.toProxyException(ar.cause(), req.id()), 0, 0, null));
      }
    }

    /** The head is in: the client's answer starts, and the body follows as the peer sends it. */
    private void stream(StreamChannel ch, ProxyReply head) {
      headSeen = true;
      WriteStream<Buffer> sink = down.respond(head);
      long stallMs = config.get().writeIdleTimeout().toMillis();
      new BodyPipe(vertx, ch.source(), sink)
          .stallTimeout(
              stallMs,
              () ->
                  new ProxyException(
                      FailureCode.WRITE_TIMEOUT,
                      "the client read nothing for writeIdleTimeout (" + stallMs + " ms)"))
          .destinationGone(() -> new ProxyException(FailureCode.CLIENT_GONE))
          .start()
          .onComplete(
              done -> {
                if (done.succeeded()) {
                  this.done = true;
                  ch.close();
                  return;
                }
                ch.send(StreamFrame.of(ch.key(), StreamFrame.Kind.CANCEL));
                ProxyException e = ErrorResponder.toProxyException(done.cause(), req.id());
                end(ch, ProxyReply.failed(e, head.queueMs(), head.upstreamMs(), head.node()));
              });
    }

    private void lost(StreamChannel ch, String node) {
      if (done || ch != channel || headSeen) {
        return; // after the head, the response pipe fails with NODE_LOST
      }
      ch.close();
      boolean retry =
          IDEMPOTENT.contains(req.method())
              && !bodyStarted
              && System.currentTimeMillis() < req.queueDeadlineMs();
      if (retry) {
        go();
        return;
      }
      end(
          ch,
          ProxyReply.failed(
              FailureCode.NODE_LOST,
              "the node serving the request left the cluster (" + node + ")",
              0,
              0,
              node));
    }

    private void cancel(StreamChannel ch) {
      if (done || ch != channel) {
        return;
      }
      ch.send(StreamFrame.of(ch.key(), StreamFrame.Kind.CANCEL));
      end(ch, ProxyReply.failed(FailureCode.CLIENT_GONE, null, 0, 0, ch.peer()));
    }

    private void end(StreamChannel ch, ProxyReply failure) {
      ch.close();
      finish(failure);
    }

    private void finish(ProxyReply failure) {
      if (done) {
        return;
      }
      done = true;
      down.fail(failure);
    }
  }

  /** Counts the request as awaiting an answer until its head or its failure is in. */
  private final class Answered implements Downstream {
    private final Downstream down;
    private boolean answered;

    Answered(Downstream down) {
      this.down = down;
    }

    private void answered() {
      if (!answered) {
        answered = true;
        stats.awaitingReply().decrementAndGet();
      }
    }

    @Override
    public ReadStream<Buffer> body() {
      return down.body();
    }

    @Override
    public WriteStream<Buffer> respond(ProxyReply head) {
      answered();
      return down.respond(head);
    }

    @Override
    public void fail(ProxyReply failure) {
      answered();
      down.fail(failure);
    }

    @Override
    public boolean gone() {
      return down.gone();
    }

    @Override
    public void onGone(Runnable action) {
      down.onGone(action);
    }
  }
}
