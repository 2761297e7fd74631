package io.httpsproxy.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.protocol.FailureCode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The node's one admission point under races: many event loops offer at once against a tiny cap and
 * queue. Whatever the interleaving, no more than {@code workers} run, no more than {@code
 * queueSize} wait, every ticket is answered exactly once on its own event loop, and none starts
 * after its queue deadline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdmissionTest {
  private static final int LOOPS = 8;

  private Vertx vertx;
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger busy = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(LOOPS));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /** One request: what happened to it, checked against the rules. */
  private class Probe implements Admission.Ticket {
    final Context context;
    final long acceptedAtMs = System.currentTimeMillis();
    final long deadlineMs;
    final AtomicInteger answers = new AtomicInteger();
    volatile FailureCode refusal;
    volatile long startedAtMs = -1;
    volatile boolean onOwnContext = true;

    Probe(Context context, long queueTimeoutMs) {
      this.context = context;
      this.deadlineMs = acceptedAtMs + queueTimeoutMs;
    }

    @Override
    public Context context() {
      return context;
    }

    @Override
    public long acceptedAtMs() {
      return acceptedAtMs;
    }

    @Override
    public long queueDeadlineMs() {
      return deadlineMs;
    }

    @Override
    public void start(Admission.Permit permit, long queueMs) {
      answer();
      startedAtMs = System.currentTimeMillis();
      running.start(permit, this);
    }

    @Override
    public void reject(FailureCode code, long queueMs) {
      answer();
      refusal = code;
      done.countDown();
    }

    private void answer() {
      answers.incrementAndGet();
      if (Vertx.currentContext() != context) {
        onOwnContext = false;
      }
    }

    CountDownLatch done;
    Runner running;
  }

  /** Runs each started call for a short random time, watching how many run at once. */
  private final class Runner {
    final AtomicInteger now = new AtomicInteger();
    final AtomicInteger max = new AtomicInteger();
    final AtomicInteger overQueue = new AtomicInteger();
    final int workers;
    final int queueSize;

    Runner(int workers, int queueSize) {
      this.workers = workers;
      this.queueSize = queueSize;
    }

    void start(Admission.Permit permit, Probe p) {
      int n = now.incrementAndGet();
      max.accumulateAndGet(n, Math::max);
      if (queued.get() > queueSize) {
        overQueue.incrementAndGet();
      }
      long ms = ThreadLocalRandom.current().nextInt(0, 3);
      Runnable end =
          () -> {
            now.decrementAndGet();
            permit.release();
            permit.release(); // a second release does nothing
            p.done.countDown();
          };
      if (ms == 0) {
        p.context.runOnContext(v -> end.run());
      } else {
        vertx.setTimer(ms, id -> end.run());
      }
    }
  }

  @ParameterizedTest(name = "workers {0}, queueSize {1}")
  @CsvSource({"1, 1", "2, 3", "3, 0", "1, 50", "16, 2"})
  void theCapAndTheBoundHoldUnderManyEventLoops(int workers, int queueSize) throws Exception {
    Admission admission = new Admission(vertx, workers, queueSize, queued, busy);
    Runner runner = new Runner(workers, queueSize);
    int perLoop = 2_000;
    CountDownLatch done = new CountDownLatch(LOOPS * perLoop);
    List<Probe> probes = new ArrayList<>();
    List<Context> contexts = new ArrayList<>();
    for (int l = 0; l < LOOPS; l++) {
      contexts.add(vertx.getOrCreateContext());
    }
    for (Context c : contexts) {
      for (int i = 0; i < perLoop; i++) {
        Probe p = new Probe(c, 5_000);
        p.done = done;
        p.running = runner;
        probes.add(p);
      }
    }
    CountDownLatch go = new CountDownLatch(1);
    for (int l = 0; l < LOOPS; l++) {
      List<Probe> mine = probes.subList(l * perLoop, (l + 1) * perLoop);
      Context c = contexts.get(l);
      c.runOnContext(
          v -> {
            await(go);
            offerInWaves(admission, c, mine, 0);
          });
    }
    go.countDown();
    assertTrue(done.await(40, TimeUnit.SECONDS), "not every ticket was answered");

    assertTrue(runner.max.get() <= workers, "ran at once: " + runner.max + " > " + workers);
    assertEquals(0, runner.overQueue.get(), "queued beyond queueSize");
    Map<String, Integer> outcomes = new ConcurrentHashMap<>();
    for (Probe p : probes) {
      assertEquals(1, p.answers.get(), "answers for one ticket");
      assertTrue(p.onOwnContext, "answered on another event loop");
      String key = p.refusal == null ? "started" : p.refusal.name();
      outcomes.merge(key, 1, Integer::sum);
      if (p.refusal != null) {
        assertSame(FailureCode.QUEUE_FULL, p.refusal, "only a full queue refuses here");
      }
    }
    assertTrue(outcomes.getOrDefault("started", 0) >= workers, outcomes.toString());
    waitUntil(admission::idle);
    assertEquals(0, busy.get());
    assertEquals(0, queued.get());
  }

  @Test
  void aQueuedRequestIsRefusedAtItsDeadlineAndNeverStarts() throws Exception {
    Admission admission = new Admission(vertx, 1, 10, queued, busy);
    Context c = vertx.getOrCreateContext();
    CountDownLatch blockerStarted = new CountDownLatch(1);
    Admission.Permit[] held = new Admission.Permit[1];
    Admission.Ticket blocker =
        new Probe(c, 10_000) {
          @Override
          public void start(Admission.Permit permit, long queueMs) {
            held[0] = permit;
            blockerStarted.countDown();
          }
        };
    c.runOnContext(v -> admission.offer(blocker));
    assertTrue(blockerStarted.await(5, TimeUnit.SECONDS));
    List<Probe> waiting = new ArrayList<>();
    CountDownLatch refused = new CountDownLatch(3);
    for (long timeout : new long[] {100, 250, 400}) {
      Probe p = new Probe(c, timeout);
      p.done = refused;
      p.running = new Runner(1, 10);
      waiting.add(p);
      c.runOnContext(v -> admission.offer(p));
    }
    assertTrue(refused.await(5, TimeUnit.SECONDS), "the deadlines were not answered");
    for (Probe p : waiting) {
      assertSame(FailureCode.QUEUE_TIMEOUT, p.refusal);
      assertEquals(-1, p.startedAtMs, "an expired request started");
      long late = System.currentTimeMillis() - p.deadlineMs;
      assertTrue(late >= 0, "refused before its deadline");
      assertTrue(late < 2_000, "refused " + late + " ms after its deadline");
    }
    held[0].release();
    waitUntil(admission::idle);
    assertNotNull(held[0]);
  }

  @Test
  void aLargerCapStartsWaitersAtOnceAndASmallerOneLetsRunningCallsFinish() throws Exception {
    Admission admission = new Admission(vertx, 1, 10, queued, busy);
    Context c = vertx.getOrCreateContext();
    List<Admission.Permit> permits = new ArrayList<>();
    AtomicInteger started = new AtomicInteger();
    for (int i = 0; i < 5; i++) {
      Probe p =
          new Probe(c, 10_000) {
            @Override
            public void start(Admission.Permit permit, long queueMs) {
              synchronized (permits) {
                permits.add(permit);
              }
              started.incrementAndGet();
            }
          };
      c.runOnContext(v -> admission.offer(p));
    }
    waitUntil(() -> started.get() == 1 && queued.get() == 4);
    admission.setLimits(3, 10);
    waitUntil(() -> started.get() == 3 && queued.get() == 2);
    admission.setLimits(1, 10);
    synchronized (permits) {
      permits.get(0).release();
      permits.get(1).release();
    }
    Thread.sleep(100);
    assertEquals(3, started.get(), "started while over the new, smaller cap");
    synchronized (permits) {
      permits.get(2).release();
    }
    waitUntil(() -> started.get() == 4);
    assertEquals(1, busy.get());
  }

  /**
   * A few offers, then the loop's other tasks (the releases of calls that ended), then the next
   * few: offers keep meeting releases on other loops for the whole run, not only at its start.
   */
  private static void offerInWaves(Admission admission, Context c, List<Probe> probes, int from) {
    int to = Math.min(probes.size(), from + 1 + ThreadLocalRandom.current().nextInt(8));
    for (int i = from; i < to; i++) {
      admission.offer(probes.get(i));
    }
    if (to < probes.size()) {
      c.runOnContext(v -> offerInWaves(admission, c, probes, to));
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws Exception {
    long end = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < end, "condition not reached in 10 s");
      Thread.sleep(5);
    }
  }
}
