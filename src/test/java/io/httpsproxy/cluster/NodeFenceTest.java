package io.httpsproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class NodeFenceTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final NodeFence fence = new NodeFence(now::get, 3_000, 2_000);

  private void advanceMs(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void regularTicksNeverFence() {
    for (int i = 0; i < 100; i++) {
      advanceMs(100);
      assertFalse(fence.tick());
      assertFalse(fence.fenced());
    }
    advanceMs(2_900); // a slow tick on a loaded machine is no freeze
    assertFalse(fence.tick());
    assertEquals(0, fence.toJson().getLong("frozen"));
  }

  @Test
  void aGapLongerThanThreeSecondsFencesForTheWindowThenLifts() {
    AtomicInteger woken = new AtomicInteger();
    fence.onWake(woken::incrementAndGet);
    advanceMs(20_000);
    assertTrue(fence.tick());
    assertEquals(1, woken.get());
    assertTrue(fence.fenced());
    assertEquals(2_000, fence.holdMs());
    advanceMs(1_500);
    assertFalse(fence.tick());
    assertEquals(500, fence.holdMs());
    advanceMs(600);
    fence.tick();
    assertFalse(fence.fenced());
    assertEquals(0, fence.holdMs());
    assertEquals(1, fence.toJson().getLong("frozen"));
    assertEquals(20_000, fence.toJson().getLong("lastGapMs"));
  }

  @Test
  void beforeTheWatchThreadNoticesAStaleTickCountsAsFenced() {
    fence.start();
    try {
      // The event loops may run first after SIGCONT: the last tick is then older than the gap.
      now.addAndGet(TimeUnit.SECONDS.toNanos(20));
      assertTrue(fence.fenced());
      assertEquals(2_000, fence.holdMs());
    } finally {
      fence.stop();
    }
  }

  @Test
  void aRemoteRequestAcceptedBeforeTheWakeIsRefusedEvenAfterTheWindow() {
    long before = System.currentTimeMillis() - 10_000;
    assertFalse(fence.refusesRemote(before));
    advanceMs(20_000);
    fence.tick();
    for (int i = 0; i < 50; i++) {
      advanceMs(100);
      fence.tick();
    }
    assertFalse(fence.fenced());
    assertTrue(fence.refusesRemote(before));
    assertFalse(fence.refusesRemote(System.currentTimeMillis() + 1));
  }

  @Test
  void aFenceThatWasNeverStartedNeverFences() {
    advanceMs(60_000);
    assertFalse(fence.fenced());
  }
}
