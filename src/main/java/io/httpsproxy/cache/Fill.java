package io.httpsproxy.cache;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * One upstream call that identical requests wait for (request collapsing, nginx's
 * proxy_cache_lock). Its leader completes it exactly once: with the response it stored, or with
 * null when the response was not stored (uncacheable, private, too large, failed), and then every
 * waiter goes upstream on its own, so nothing private is ever handed to another client.
 *
 * <p>Shared by every event loop: the waiter list and the outcome change under the fill's lock; each
 * waiter is woken on its own context.
 */
final class Fill {
  private record Waiter(Context context, Promise<StoredResponse> promise) {}

  private final java.util.function.Consumer<Fill> onDone;
  private final long startedMs = System.currentTimeMillis();
  private final List<Waiter> waiters = new ArrayList<>();
  private boolean done;
  private StoredResponse result;

  Fill(java.util.function.Consumer<Fill> onDone) {
    this.onDone = onDone;
  }

  long startedMs() {
    return startedMs;
  }

  /** The leader's outcome, on {@code context}; null after {@code timeoutMs} at the latest. */
  Future<StoredResponse> await(Context context, long timeoutMs) {
    Promise<StoredResponse> p = Promise.promise();
    synchronized (this) {
      if (done) {
        return Future.succeededFuture(result);
      }
      waiters.add(new Waiter(context, p));
    }
    long timer = context.owner().setTimer(timeoutMs, id -> p.tryComplete(null));
    return p.future().onComplete(ar -> context.owner().cancelTimer(timer));
  }

  /** Called once by the leader; later calls do nothing. */
  void complete(StoredResponse stored) {
    List<Waiter> woken;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      result = stored;
      woken = new ArrayList<>(waiters);
      waiters.clear();
    }
    onDone.accept(this);
    for (Waiter w : woken) {
      w.context().runOnContext(v -> w.promise().tryComplete(stored));
    }
  }
}
