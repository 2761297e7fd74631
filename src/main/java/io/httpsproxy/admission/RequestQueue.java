package io.httpsproxy.admission;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The bounded FIFO of requests accepted but not yet started by a worker. Each entry carries its own
 * queue deadline; expired entries are handed back so their owner answers them (503) and they never
 * run. Not thread-safe: its owner (Admission) changes it under one lock.
 *
 * @param <T> the queued item
 */
public final class RequestQueue<T extends RequestQueue.Deadlined> {
  /** Anything with a wall-clock deadline in milliseconds. */
  public interface Deadlined {
    long queueDeadlineMs();
  }

  private int capacity;
  private final ArrayDeque<T> items = new ArrayDeque<>();

  public RequestQueue(int capacity) {
    this.capacity = capacity;
  }

  /** Admission: false (and nothing queued) when the queue already holds {@code capacity}. */
  public boolean offer(T item) {
    if (items.size() >= capacity) {
      return false;
    }
    items.addLast(item);
    return true;
  }

  /**
   * The oldest entry that may still start at {@code nowMs}; entries past their deadline on the way
   * are given to {@code expired}. Null when none is left.
   */
  public T pollLive(long nowMs, Consumer<T> expired) {
    T head;
    while ((head = items.pollFirst()) != null) {
      if (nowMs < head.queueDeadlineMs()) {
        return head;
      }
      expired.accept(head);
    }
    return null;
  }

  /** Removes expired entries from the head, oldest first; FIFO order makes the head the oldest. */
  public void expire(long nowMs, Consumer<T> expired) {
    T head;
    while ((head = items.peekFirst()) != null && nowMs >= head.queueDeadlineMs()) {
      expired.accept(items.pollFirst());
    }
  }

  /** Takes {@code item} out wherever it waits (its client left); false when it is not queued. */
  public boolean remove(T item) {
    return items.removeFirstOccurrence(item);
  }

  /** Deadline of the head entry, or -1 when empty. */
  public long headDeadlineMs() {
    T head = items.peekFirst();
    return head == null ? -1 : head.queueDeadlineMs();
  }

  /** Empties the queue, handing every entry to {@code drained}. */
  public void drainTo(Consumer<T> drained) {
    T head;
    while ((head = items.pollFirst()) != null) {
      drained.accept(head);
    }
  }

  public int size() {
    return items.size();
  }

  /** A new bound (on reload); entries above a lowered bound stay and are served in order. */
  public void setCapacity(int capacity) {
    this.capacity = capacity;
  }

  public int capacity() {
    return capacity;
  }
}
