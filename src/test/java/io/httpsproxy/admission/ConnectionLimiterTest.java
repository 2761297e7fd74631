package io.httpsproxy.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection cap is exact even when every event loop accepts at the same instant. */
class ConnectionLimiterTest {
  private static final int THREADS = 8;

  @Test
  void acquiresUpToTheCapThenRefuses() {
    ConnectionLimiter limiter = new ConnectionLimiter(2);

    assertTrue(limiter.tryAcquire());
    assertTrue(limiter.tryAcquire());
    assertFalse(limiter.tryAcquire());
    assertEquals(2, limiter.open());
  }

  @Test
  void releaseFreesASlot() {
    ConnectionLimiter limiter = new ConnectionLimiter(1);
    limiter.tryAcquire();

    limiter.release();

    assertEquals(0, limiter.open());
    assertTrue(limiter.tryAcquire());
  }

  @Test
  void zeroCapRefusesEveryConnection() {
    ConnectionLimiter limiter = new ConnectionLimiter(0);

    assertFalse(limiter.tryAcquire());
    assertEquals(0, limiter.open());
  }

  @Test
  @Timeout(10)
  void capIsExactUnderConcurrentAcquire() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100);
    AtomicInteger granted = new AtomicInteger();

    runConcurrently(
        () -> {
          for (int i = 0; i < 10_000; i++) {
            if (limiter.tryAcquire()) {
              granted.incrementAndGet();
            }
          }
        });

    assertEquals(100, granted.get());
    assertEquals(100, limiter.open());
  }

  @Test
  @Timeout(10)
  void openNeverExceedsTheCapWhileConnectionsChurn() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(3);
    AtomicInteger peak = new AtomicInteger();
    AtomicInteger granted = new AtomicInteger();

    runConcurrently(
        () -> {
          for (int i = 0; i < 20_000; i++) {
            if (limiter.tryAcquire()) {
              granted.incrementAndGet();
              peak.accumulateAndGet(limiter.open(), Math::max);
              limiter.release();
            }
          }
        });

    assertTrue(peak.get() <= 3, "peak open connections " + peak.get());
    assertTrue(granted.get() > 0);
    assertEquals(0, limiter.open());
  }

  /** Starts THREADS copies of the task at once and waits for all, rethrowing any failure. */
  private static void runConcurrently(Runnable task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  task.run();
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
