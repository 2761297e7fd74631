package io.httpsproxy.admission;

import io.httpsproxy.protocol.FailureCode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's one admission point for upstream calls: at most {@code workers} run at once, at most
 * {@code queueSize} wait, and none starts after its queue deadline. A request that finds a free
 * worker and an empty queue starts at once, on the caller's own event loop; a queued one starts on
 * its own event loop when a running call gives its {@link Permit} back (the release starts the next
 * waiter, like armeria's {@code DefaultConcurrencyLimit}).
 *
 * <p>Shared by every event loop of the node. The counts and the queue change only under {@code
 * lock}, so the bound and the cap are exact under any interleaving; what a decision starts or
 * refuses runs outside the lock, on the ticket's own context.
 */
public final class Admission {
  /** A request asking to start; its callbacks run on {@link #context()}. */
  public interface Ticket extends RequestQueue.Deadlined {
    /** The event loop the request belongs to. */
    Context context();

    long acceptedAtMs();

    /** It may run now; {@code permit} must be released exactly once when the call ends. */
    void start(Permit permit, long queueMs);

    /** It will never run: answer it with {@code code}. */
    void reject(FailureCode code, long queueMs);
  }

  /** One running call's slot. Releasing twice is harmless (the second does nothing). */
  public final class Permit {
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit() {}

    public void release() {
      if (released.compareAndSet(false, true)) {
        Admission.this.release();
      }
    }
  }

  private final Vertx vertx;
  private final Object lock = new Object();
  private final AtomicInteger queuedGauge;
  private final AtomicInteger busyGauge;

  // guarded by lock
  private final RequestQueue<Ticket> queue;
  private int running;
  private int workers;
  private boolean closed;
  private long expiryTimer = -1;

  /** {@code queued} and {@code busy} are the gauges this keeps current (ProxyStats's). */
  public Admission(
      Vertx vertx, int workers, int queueSize, AtomicInteger queued, AtomicInteger busy) {
    this.vertx = vertx;
    this.workers = workers;
    this.queue = new RequestQueue<>(queueSize);
    this.queuedGauge = queued;
    this.busyGauge = busy;
  }

  /** Starts {@code t} now (on the caller's thread), queues it, or refuses it. */
  public void offer(Ticket t) {
    long now = System.currentTimeMillis();
    FailureCode refusal = null;
    boolean startNow = false;
    synchronized (lock) {
      if (closed) {
        refusal = FailureCode.SHUTTING_DOWN;
      } else if (now >= t.queueDeadlineMs()) {
        refusal = FailureCode.QUEUE_TIMEOUT;
      } else if (running < workers && queue.size() == 0) {
        running++;
        startNow = true;
      } else if (!queue.offer(t)) {
        refusal = FailureCode.QUEUE_FULL;
      } else {
        armExpiry(now);
      }
      publish();
    }
    if (startNow) {
      t.start(new Permit(), Math.max(0, now - t.acceptedAtMs()));
    } else if (refusal != null) {
      t.reject(refusal, Math.max(0, now - t.acceptedAtMs()));
    }
  }

  /**
   * The client of a queued request has left: it is taken out of the queue at once (the queue
   * shrinks, no worker slot is used) and refused {@code CLIENT_GONE} on its context. Nothing
   * happens when it is not queued (already started, refused, or never queued).
   */
  public void withdraw(Ticket t) {
    boolean removed;
    synchronized (lock) {
      removed = queue.remove(t);
      publish();
    }
    if (removed) {
      long queueMs = Math.max(0, System.currentTimeMillis() - t.acceptedAtMs());
      t.context().runOnContext(v -> t.reject(FailureCode.CLIENT_GONE, queueMs));
    }
  }

  /** A reload: a larger cap starts waiters now; a smaller one lets running calls finish. */
  public void setLimits(int workers, int queueSize) {
    List<Ticket> start;
    List<Ticket> expired = new ArrayList<>();
    synchronized (lock) {
      this.workers = workers;
      queue.setCapacity(queueSize);
      start = next(System.currentTimeMillis(), expired);
      publish();
    }
    hand(start, expired);
  }

  /** Stops admitting: what is queued is refused SHUTTING_DOWN; running calls go on. */
  public void close() {
    List<Ticket> left = new ArrayList<>();
    synchronized (lock) {
      closed = true;
      queue.drainTo(left::add);
      publish();
    }
    for (Ticket t : left) {
      long queueMs = Math.max(0, System.currentTimeMillis() - t.acceptedAtMs());
      t.context().runOnContext(v -> t.reject(FailureCode.SHUTTING_DOWN, queueMs));
    }
  }

  /** True when nothing runs and nothing waits. */
  public boolean idle() {
    synchronized (lock) {
      return running == 0 && queue.size() == 0;
    }
  }

  private void release() {
    List<Ticket> start;
    List<Ticket> expired = new ArrayList<>();
    synchronized (lock) {
      running--;
      start = next(System.currentTimeMillis(), expired);
      publish();
    }
    hand(start, expired);
  }

  /** Takes the waiters that may start now, counting them as running; expired ones go aside. */
  private List<Ticket> next(long now, List<Ticket> expired) {
    List<Ticket> start = null;
    while (running < workers) {
      Ticket t = queue.pollLive(now, expired::add);
      if (t == null) {
        break;
      }
      running++;
      if (start == null) {
        start = new ArrayList<>(1);
      }
      start.add(t);
    }
    return start == null ? List.of() : start;
  }

  private void hand(List<Ticket> start, List<Ticket> expired) {
    long now = System.currentTimeMillis();
    for (Ticket t : expired) {
      long queueMs = Math.max(0, now - t.acceptedAtMs());
      t.context().runOnContext(v -> t.reject(FailureCode.QUEUE_TIMEOUT, queueMs));
    }
    for (Ticket t : start) {
      Permit p = new Permit();
      t.context()
          .runOnContext(
              v -> t.start(p, Math.max(0, System.currentTimeMillis() - t.acceptedAtMs())));
    }
  }

  /** One timer at the head's deadline answers expired requests on time even with no worker free. */
  private void armExpiry(long now) {
    long deadline = queue.headDeadlineMs();
    if (expiryTimer != -1 || deadline < 0) {
      return;
    }
    expiryTimer = vertx.setTimer(Math.max(1, deadline - now), id -> expire());
  }

  private void expire() {
    List<Ticket> expired = new ArrayList<>();
    long now = System.currentTimeMillis();
    synchronized (lock) {
      expiryTimer = -1;
      queue.expire(now, expired::add);
      armExpiry(now);
      publish();
    }
    hand(List.of(), expired);
  }

  private void publish() {
    queuedGauge.set(queue.size());
    busyGauge.set(running);
  }
}
