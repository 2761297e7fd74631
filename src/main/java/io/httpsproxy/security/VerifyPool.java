package io.httpsproxy.security;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads password checks run on: never an event loop, and at most {@code
 * authVerifyConcurrency} at once, so that a flood of new passwords (67 ms of CPU each) takes at
 * most that many cores and leaves the rest to the traffic. A few more checks may wait ({@link
 * #WAITING_PER_SLOT} per thread, about a quarter of a second at 67 ms each), so a burst of
 * legitimate clients (a restart) is served rather than refused; beyond that {@link #tryRun} says
 * no, and the caller answers 503 at once. One client address holds at most {@code cap} of those
 * places, running or waiting, so a guesser cannot fill the waiting room: another client's first
 * login waits behind at most one of its checks. Thread-safe.
 *
 * <p>Threads end after {@link #IDLE_SECONDS} without work, so an idle pool holds none.
 */
public final class VerifyPool {
  static final int WAITING_PER_SLOT = 4;
  static final long IDLE_SECONDS = 30;
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ThreadPoolExecutor executor;

  /**
   * Checks running or waiting. Admission reads the cap of the request: after a reload lowers it,
   * what is already admitted still runs (tolerated: it ends within a few checks' time).
   */
  private final AtomicInteger admitted = new AtomicInteger();

  private final AtomicInteger running = new AtomicInteger();

  /** Places held per client address; an entry goes when its count is back to 0. */
  private final ConcurrentHashMap<String, Integer> byClient = new ConcurrentHashMap<>();

  /** Threads the executor may run; changed under this object's lock. */
  private int threads = 1;

  public VerifyPool() {
    int pool = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "auth-verify-" + pool + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    executor =
        new ThreadPoolExecutor(
            1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    executor.allowCoreThreadTimeOut(true);
  }

  /**
   * Runs {@code task} for {@code client} on the pool, at most {@code cap} at once, and completes
   * the answer on {@code ctx}; null, and nothing runs, when {@code cap} are running and {@code cap}
   * x {@link #WAITING_PER_SLOT} waiting already, or {@code client} holds {@code cap} places.
   */
  public <T> Future<T> tryRun(Context ctx, int cap, String client, Callable<T> task) {
    boolean[] room = new boolean[1];
    byClient.compute(
        client,
        (k, held) -> {
          int h = held == null ? 0 : held;
          room[0] = h < cap;
          return room[0] ? h + 1 : held;
        });
    if (!room[0]) {
      return null;
    }
    int limit = cap * (1 + WAITING_PER_SLOT);
    while (true) {
      int now = admitted.get();
      if (now >= limit) {
        leave(client);
        return null;
      }
      if (admitted.compareAndSet(now, now + 1)) {
        break;
      }
    }
    resize(cap);
    Promise<T> answer = Promise.promise();
    executor.execute(
        () -> {
          running.incrementAndGet();
          T result = null;
          Throwable failure = null;
          try {
            result = task.call();
          } catch (Throwable t) {
            failure = t;
          } finally {
            running.decrementAndGet();
            admitted.decrementAndGet();
            leave(client);
          }
          T r = result;
          Throwable f = failure;
          ctx.runOnContext(
              v -> {
                if (f != null) {
                  answer.fail(f);
                } else {
                  answer.complete(r);
                }
              });
        });
    return answer.future();
  }

  /** Checks running now. */
  public int running() {
    return running.get();
  }

  /** Checks running or waiting now. */
  public int admitted() {
    return admitted.get();
  }

  private void leave(String client) {
    byClient.computeIfPresent(client, (k, held) -> held <= 1 ? null : held - 1);
  }

  private synchronized void resize(int cap) {
    if (cap == threads) {
      return;
    }
    // The core size may never exceed the maximum, so the order depends on the direction.
    if (cap > threads) {
      executor.setMaximumPoolSize(cap);
      executor.setCorePoolSize(cap);
    } else {
      executor.setCorePoolSize(cap);
      executor.setMaximumPoolSize(cap);
    }
    threads = cap;
  }
}
