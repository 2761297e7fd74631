package io.httpsproxy.egress;

import io.httpsproxy.admission.RequestQueue;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.Addresses;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.reload.LiveSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;

/**
 * The node's single consumer of its own egress address ({@link Addresses#egress}): admission into
 * the bounded queue, queue deadlines, and the {@code workers} cap on concurrent upstream calls.
 *
 * <p>Why one consumer per node: the queue bound and the worker cap are then exact. The ingress
 * picks the node (round-robin), so the 5.0.7 clustered node selector, which misweights nodes with
 * unequal consumer counts, is never involved. The consumer is never paused, so the event bus never
 * drops a message past a consumer buffer: the bound is counted here, and a request over it is
 * answered QUEUE_FULL at once.
 */
public final class EgressDispatcherVerticle extends VerticleBase {
  private final LiveSettings settings;
  private final UpstreamPool pool;
  private final ProxyStats stats;
  private final String node;
  private final String address;

  // state confined to this verticle's event loop
  private RequestQueue<Pending> queue;
  private MessageConsumer<ProxyRequest> consumer;
  private int inFlight;
  private int workers;
  private long expiryTimer = -1;

  private record Pending(Message<ProxyRequest> msg, ProxyRequest req)
      implements RequestQueue.Deadlined {
    @Override
    public long queueDeadlineMs() {
      return req.queueDeadlineMs();
    }
  }

  public EgressDispatcherVerticle(
      LiveSettings settings, UpstreamPool pool, ProxyStats stats, String node, String address) {
    this.address = address;
    this.settings = settings;
    this.pool = pool;
    this.stats = stats;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    queue = new RequestQueue<>(settings.config().queueSize());
    workers = settings.config().workers();
    // A reload takes effect here at once: a larger cap starts queued requests now; a smaller one
    // stops starting new calls until enough running ones end (none is cut short).
    settings.onChange(
        (before, after) ->
            context.runOnContext(
                v -> {
                  queue.setCapacity(after.config().queueSize());
                  workers = after.config().workers();
                  dispatch();
                }));
    consumer = vertx.eventBus().consumer(address, this::onRequest);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    // Nothing accepted is dropped silently: whatever is still queued is answered.
    queue.drainTo(p -> reject(p, FailureCode.SHUTTING_DOWN));
    publishGauges();
    return consumer.isRegistered() ? consumer.unregister() : Future.succeededFuture();
  }

  /**
   * Stops taking work (senders then get NO_HANDLERS and go to another node) and completes when what
   * was queued or running here has been answered, or when {@code drain} has passed.
   */
  public Future<Void> drain(Duration drain) {
    Promise<Void> drained = Promise.promise();
    long deadline = System.nanoTime() + drain.toNanos();
    context.runOnContext(v -> consumer.unregister().onComplete(ar -> awaitIdle(drained, deadline)));
    return drained.future();
  }

  private void awaitIdle(Promise<Void> drained, long deadlineNanos) {
    if ((queue.size() == 0 && inFlight == 0) || System.nanoTime() >= deadlineNanos) {
      drained.tryComplete();
      return;
    }
    vertx.setTimer(20, id -> awaitIdle(drained, deadlineNanos));
  }

  private void onRequest(Message<ProxyRequest> msg) {
    Pending p = new Pending(msg, msg.body());
    if (System.currentTimeMillis() >= p.queueDeadlineMs()) {
      reject(p, FailureCode.QUEUE_TIMEOUT);
      return;
    }
    if (!queue.offer(p)) {
      reject(p, FailureCode.QUEUE_FULL);
      return;
    }
    dispatch();
  }

  /** Starts queued requests while workers are free; expired ones are answered, never started. */
  private void dispatch() {
    while (inFlight < workers) {
      Pending p =
          queue.pollLive(System.currentTimeMillis(), e -> reject(e, FailureCode.QUEUE_TIMEOUT));
      if (p == null) {
        break;
      }
      start(p);
    }
    publishGauges();
    armExpiry();
  }

  private void start(Pending p) {
    UpstreamVerticle worker = pool.pick();
    if (worker == null) {
      reject(p, FailureCode.NO_WORKERS);
      return;
    }
    inFlight++;
    long queueMs = Math.max(0, System.currentTimeMillis() - p.req.acceptedAtMs());
    stats.recordQueueWait(queueMs);
    // The answer goes to the ingress straight from the upstream verticle's event loop (the event
    // bus is thread-safe); only the freed slot comes back here, off the request's critical path.
    worker.submit(
        p.req,
        queueMs,
        reply -> {
          p.msg.reply(reply);
          context.runOnContext(
              v -> {
                inFlight--;
                dispatch();
              });
        });
  }

  /** One timer at the head's deadline answers expired requests on time even with no worker free. */
  private void armExpiry() {
    long deadline = queue.headDeadlineMs();
    if (expiryTimer != -1 || deadline < 0) {
      return;
    }
    long delay = Math.max(1, deadline - System.currentTimeMillis());
    expiryTimer =
        vertx.setTimer(
            delay,
            id -> {
              expiryTimer = -1;
              queue.expire(System.currentTimeMillis(), e -> reject(e, FailureCode.QUEUE_TIMEOUT));
              publishGauges();
              armExpiry();
            });
  }

  private void reject(Pending p, FailureCode code) {
    long queueMs = Math.max(0, System.currentTimeMillis() - p.req.acceptedAtMs());
    if (code != FailureCode.QUEUE_FULL) {
      // It waited (in the queue or on the event bus) before being refused; QUEUE_FULL never did.
      stats.recordQueueWait(queueMs);
    }
    p.msg.reply(ProxyReply.failed(code, null, queueMs, 0, node));
  }

  private void publishGauges() {
    stats.queued().set(queue.size());
    stats.busyWorkers().set(inFlight);
  }
}
