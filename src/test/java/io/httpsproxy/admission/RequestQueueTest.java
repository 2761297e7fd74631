package io.httpsproxy.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounded FIFO: admission at capacity, and expired entries handed back, never started. */
class RequestQueueTest {
  record Item(String name, long queueDeadlineMs) implements RequestQueue.Deadlined {}

  private final List<Item> handedBack = new ArrayList<>();

  private static Item item(String name, long deadline) {
    return new Item(name, deadline);
  }

  private static List<String> names(List<Item> items) {
    return items.stream().map(Item::name).toList();
  }

  @Test
  void offerRefusesBeyondCapacityAndQueuesNothing() {
    RequestQueue<Item> q = new RequestQueue<>(2);

    assertTrue(q.offer(item("a", 100)));
    assertTrue(q.offer(item("b", 100)));
    assertFalse(q.offer(item("c", 100)));

    assertEquals(2, q.size());
    assertEquals(2, q.capacity());
    q.drainTo(handedBack::add);
    assertEquals(List.of("a", "b"), names(handedBack));
  }

  @Test
  void offerAcceptsAgainOnceAnEntryLeaves() {
    RequestQueue<Item> q = new RequestQueue<>(1);
    q.offer(item("a", 100));

    assertFalse(q.offer(item("b", 100)));
    q.pollLive(0, handedBack::add);

    assertTrue(q.offer(item("c", 100)));
  }

  @Test
  void zeroCapacityRefusesEverything() {
    RequestQueue<Item> q = new RequestQueue<>(0);

    assertFalse(q.offer(item("a", 100)));
    assertEquals(0, q.size());
  }

  @Test
  void pollLiveReturnsEntriesInFifoOrder() {
    RequestQueue<Item> q = new RequestQueue<>(10);
    q.offer(item("a", 100));
    q.offer(item("b", 50));
    q.offer(item("c", 200));

    assertEquals("a", q.pollLive(10, handedBack::add).name());
    assertEquals("b", q.pollLive(10, handedBack::add).name());
    assertEquals("c", q.pollLive(10, handedBack::add).name());
    assertNull(q.pollLive(10, handedBack::add));
    assertTrue(handedBack.isEmpty());
  }

  @Test
  void pollLiveSkipsAndHandsBackExpiredEntriesInFifoOrder() {
    RequestQueue<Item> q = new RequestQueue<>(10);
    q.offer(item("a", 100));
    q.offer(item("b", 150));
    q.offer(item("c", 300));
    q.offer(item("d", 120));

    Item live = q.pollLive(200, handedBack::add);

    assertEquals("c", live.name());
    assertEquals(List.of("a", "b"), names(handedBack));
    assertEquals(1, q.size());
    assertNull(q.pollLive(200, handedBack::add));
    assertEquals(List.of("a", "b", "d"), names(handedBack));
    assertEquals(0, q.size());
  }

  @Test
  void entryWhoseDeadlineIsNowHasExpired() {
    RequestQueue<Item> q = new RequestQueue<>(10);
    Item a = item("a", 100);
    Item b = item("b", 100);
    q.offer(a);
    q.offer(b);

    assertSame(a, q.pollLive(99, handedBack::add));
    assertNull(q.pollLive(100, handedBack::add));
    assertEquals(List.of(b), handedBack);
  }

  @Test
  void pollLiveOnAnEmptyQueueReturnsNull() {
    RequestQueue<Item> q = new RequestQueue<>(3);

    assertNull(q.pollLive(0, handedBack::add));
    assertTrue(handedBack.isEmpty());
  }

  @Test
  void expireRemovesOnlyExpiredEntriesAtTheHead() {
    RequestQueue<Item> q = new RequestQueue<>(10);
    q.offer(item("a", 100));
    q.offer(item("b", 120));
    q.offer(item("c", 300));
    q.offer(item("d", 50));

    q.expire(200, handedBack::add);

    assertEquals(List.of("a", "b"), names(handedBack));
    assertEquals(2, q.size(), "d expired too but waits behind the live head c");
    assertEquals(300, q.headDeadlineMs());

    q.expire(300, handedBack::add);

    assertEquals(List.of("a", "b", "c", "d"), names(handedBack));
    assertEquals(0, q.size());
  }

  @Test
  void expireLeavesALiveHeadAlone() {
    RequestQueue<Item> q = new RequestQueue<>(10);
    q.offer(item("a", 100));

    q.expire(99, handedBack::add);

    assertTrue(handedBack.isEmpty());
    assertEquals(1, q.size());
  }

  @Test
  void headDeadlineIsMinusOneWhenEmptyElseTheHeads() {
    RequestQueue<Item> q = new RequestQueue<>(10);

    assertEquals(-1, q.headDeadlineMs());
    q.offer(item("a", 500));
    q.offer(item("b", 400));
    assertEquals(500, q.headDeadlineMs());
    q.pollLive(0, handedBack::add);
    assertEquals(400, q.headDeadlineMs());
    q.pollLive(0, handedBack::add);
    assertEquals(-1, q.headDeadlineMs());
  }

  @Test
  void drainToEmptiesTheQueueInFifoOrderWhateverTheDeadlines() {
    RequestQueue<Item> q = new RequestQueue<>(10);
    q.offer(item("a", 1));
    q.offer(item("b", Long.MAX_VALUE));
    q.offer(item("c", 0));

    q.drainTo(handedBack::add);

    assertEquals(List.of("a", "b", "c"), names(handedBack));
    assertEquals(0, q.size());
    assertEquals(-1, q.headDeadlineMs());
    assertTrue(q.offer(item("d", 1)), "a drained queue accepts again");
  }

  @Test
  void removeTakesAWithdrawnEntryOutWhereverItWaitsAndFreesItsPlace() {
    RequestQueue<Item> q = new RequestQueue<>(3);
    Item a = item("a", 100);
    Item b = item("b", 200);
    Item c = item("c", 300);
    q.offer(a);
    q.offer(b);
    q.offer(c);
    assertFalse(q.offer(item("d", 400)));

    assertTrue(q.remove(b));
    assertFalse(q.remove(b), "a second withdrawal finds nothing");
    assertEquals(2, q.size());
    assertTrue(q.offer(item("d", 400)), "its place is free");
    assertTrue(q.remove(a));
    assertEquals(300, q.headDeadlineMs(), "the head moved on");
    q.drainTo(handedBack::add);
    assertEquals(List.of("c", "d"), names(handedBack));
  }
}
