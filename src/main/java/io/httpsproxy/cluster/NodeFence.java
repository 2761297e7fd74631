package io.httpsproxy.cluster;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this node was frozen (SIGSTOP, a VM paused, a stop-the-world stall) and fences it
 * for a short window after it wakes (issue #13 item 1). A plain daemon thread ticks every {@link
 * #TICK_MS}; a gap of more than {@link #GAP_MS} between two ticks (the monotonic clock runs on
 * while the process is stopped) means the node was not running, and for far longer than the
 * cluster's 6 s heartbeat timeout it may have been evicted and its work given to others.
 *
 * <p>While fenced:
 *
 * <ul>
 *   <li>a request from another node is answered {@code NODE_FENCED} without running: its sender may
 *       already have answered or re-sent it, and the sender re-sends a NODE_FENCED answer to
 *       another node whatever the method, since nothing ran;
 *   <li>a request of this node's own clients is held until the window ends, so that the closes the
 *       kernel buffered during the freeze are read first: a request whose client has gone is then
 *       never started.
 * </ul>
 *
 * <p>The event loops may run before this thread after a wake: a tick older than the gap counts as
 * fenced too, so the first requests read after a wake are caught as well.
 *
 * <p>Shared by every thread of the node: the times are volatile longs written by the watch thread
 * only; readers may see a tick a little late (tolerated: a request is then held at most one window
 * more).
 */
public final class NodeFence {
  static final long TICK_MS = 100;

  /** Far above any tick delay on a loaded machine (the worst seen: ~400 ms), far below 6 s. */
  static final long GAP_MS = 3_000;

  /** Long enough for the event loops to read what was buffered (closes included) after a wake. */
  static final long FENCE_MS = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger("https-proxy.cluster");

  private final LongSupplier nanos;
  private final long gapNanos;
  private final long fenceNanos;
  private final List<Runnable> wakeListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong frozen = new AtomicLong();
  private final AtomicLong fencedRemote = new AtomicLong();
  private final AtomicLong heldLocal = new AtomicLong();
  private volatile long lastTick;
  private volatile long fencedUntil;
  private volatile long lastGapMs;
  private volatile long lastWakeAtMs;
  private volatile boolean running;

  NodeFence(LongSupplier nanos, long gapMs, long fenceMs) {
    this.nanos = nanos;
    this.gapNanos = TimeUnit.MILLISECONDS.toNanos(gapMs);
    this.fenceNanos = TimeUnit.MILLISECONDS.toNanos(fenceMs);
    this.lastTick = nanos.getAsLong();
    this.fencedUntil = lastTick;
  }

  /** A fence with the node's defaults; {@link #start()} starts its watch thread. */
  public static NodeFence create() {
    return new NodeFence(System::nanoTime, GAP_MS, FENCE_MS);
  }

  public NodeFence start() {
    running = true;
    Thread t = new Thread(this::watch, "https-proxy-fence");
    t.setDaemon(true);
    t.start();
    return this;
  }

  public void stop() {
    running = false;
  }

  /** {@code action} runs on the watch thread each time the node wakes from a freeze. */
  public void onWake(Runnable action) {
    wakeListeners.add(action);
  }

  /** True while requests from other nodes must be refused NODE_FENCED. */
  public boolean fenced() {
    return holdMs() > 0;
  }

  /**
   * True when a request another node accepted at {@code acceptedAtMs} (its wall clock) must be
   * refused NODE_FENCED: in the window, or accepted before this node's last wake however late it is
   * read (after a freeze the event loops may take longer than the window to get to it, and its
   * sender has answered or re-sent it since). Nodes' clocks are assumed within a few ms (NTP).
   */
  public boolean refusesRemote(long acceptedAtMs) {
    return fenced() || acceptedAtMs < lastWakeAtMs;
  }

  /** How long a request of this node's own clients must still wait; 0 when not fenced. */
  public long holdMs() {
    long now = nanos.getAsLong();
    if (running && now - lastTick > gapNanos) {
      // Woken, and the watch thread has not ticked yet: the whole window is still ahead.
      return TimeUnit.NANOSECONDS.toMillis(fenceNanos);
    }
    long left = fencedUntil - now;
    return left > 0 ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)) : 0;
  }

  public void countFencedRemote() {
    fencedRemote.incrementAndGet();
  }

  public void countHeldLocal() {
    heldLocal.incrementAndGet();
  }

  /** The {@code fence} section of /stats. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("frozen", frozen.get())
        .put("lastGapMs", lastGapMs)
        .put("lastWakeAtMs", lastWakeAtMs)
        .put("fencedNow", fenced())
        .put("fencedRemoteRequests", fencedRemote.get())
        .put("heldLocalRequests", heldLocal.get());
  }

  /** One tick of the watch: true when it found a gap (the node was frozen). */
  boolean tick() {
    long now = nanos.getAsLong();
    long gap = now - lastTick;
    if (gap <= gapNanos) {
      lastTick = now;
      return false;
    }
    // The window is set before the tick moves on, so no reader sees neither.
    fencedUntil = now + fenceNanos;
    lastTick = now;
    lastGapMs = TimeUnit.NANOSECONDS.toMillis(gap);
    lastWakeAtMs = System.currentTimeMillis();
    frozen.incrementAndGet();
    LOG.warn(
        "this node did not run for {} ms (frozen?): fenced for {} ms; other nodes may have"
            + " evicted it",
        lastGapMs,
        TimeUnit.NANOSECONDS.toMillis(fenceNanos));
    for (Runnable r : wakeListeners) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("wake listener failed", e);
      }
    }
    return true;
  }

  private void watch() {
    while (running) {
      try {
        Thread.sleep(TICK_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      tick();
    }
  }
}
