package io.httpsproxy.admission;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The node's memory budget, and what it sheds before it would run out (Envoy's overload manager is
 * the model). Bodies stream, so a request costs a window, not its size; what is left to watch is
 * the sum: the heap that is still live after each collection, plus the bytes the node holds whole
 * right now (JSON API bodies, reserved here before they are read), against the largest heap.
 *
 * <ul>
 *   <li>{@link Level#PRESSURE} (memoryPressure of the heap): keep-alive off, new requests with a
 *       body wait before their body is read, and the JSON API (which holds bodies whole) is
 *       refused;
 *   <li>{@link Level#CRITICAL} (memoryCritical): every new request is refused 503 MEMORY_PRESSURE
 *       with Retry-After, before anything is read. Admin routes (/health, /stats, /metrics) stay.
 * </ul>
 *
 * <p>Shared by every event loop; the figures are atomics written by GC notification threads and
 * read racily (a decision may use a figure one collection old: tolerated, it is an estimate).
 */
public final class MemoryGuard {
  public enum Level {
    NORMAL,
    PRESSURE,
    CRITICAL
  }

  private final long maxHeap;
  private final DoubleSupplier pressure;
  private final DoubleSupplier critical;
  private final AtomicLong liveAfterGc = new AtomicLong();
  private final AtomicLong held = new AtomicLong();
  private final LongAdder[] shed = {new LongAdder(), new LongAdder()};
  private final List<Runnable> unsubscribe = new java.util.ArrayList<>();

  /**
   * {@code pressure} and {@code critical} are fractions of the largest heap, read at each decision
   * (a reload changes them).
   */
  public MemoryGuard(DoubleSupplier pressure, DoubleSupplier critical) {
    this.maxHeap = Runtime.getRuntime().maxMemory();
    this.pressure = pressure;
    this.critical = critical;
    liveAfterGc.set(heapUsedNow());
    listenToCollections();
  }

  /** Where the node stands now. */
  public Level level() {
    double used = (double) (liveAfterGc.get() + held.get()) / maxHeap;
    if (used >= critical.getAsDouble()) {
      return Level.CRITICAL;
    }
    return used >= pressure.getAsDouble() ? Level.PRESSURE : Level.NORMAL;
  }

  /**
   * Reserves {@code bytes} that are about to be held whole; false (nothing reserved) when that
   * would take the node to memoryCritical. Every successful reserve is matched by a {@link
   * #release}.
   */
  public boolean reserve(long bytes) {
    long limit = (long) (critical.getAsDouble() * maxHeap) - liveAfterGc.get();
    while (true) {
      long now = held.get();
      if (now + bytes > limit) {
        return false;
      }
      if (held.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  public void release(long bytes) {
    held.addAndGet(-bytes);
  }

  /** A request refused or held back because of {@code level}. */
  public void shed(Level level) {
    shed[level == Level.CRITICAL ? 1 : 0].increment();
  }

  public long shedCount(Level level) {
    return shed[level == Level.CRITICAL ? 1 : 0].sum();
  }

  public long maxHeapBytes() {
    return maxHeap;
  }

  public long liveHeapAfterGcBytes() {
    return liveAfterGc.get();
  }

  public long heldBytes() {
    return held.get();
  }

  /** Direct (off-heap) buffer memory in use: Netty's socket buffers live there. */
  public static long directBytes() {
    long sum = 0;
    for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (b.getName().equals("direct")) {
        sum += b.getMemoryUsed();
      }
    }
    return sum;
  }

  private static long heapUsedNow() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** After every collection, the heap pools' usage is what is live (plus what the GC kept). */
  private void listenToCollections() {
    Set<String> heapPools = new HashSet<>();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        heapPools.add(p.getName());
      }
    }
    List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
    for (GarbageCollectorMXBean gc : gcs) {
      if (!(gc instanceof NotificationEmitter emitter)) {
        continue;
      }
      javax.management.NotificationListener listener =
          (n, handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                n.getType())) {
              return;
            }
            GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
            long live = 0;
            for (Map.Entry<String, MemoryUsage> e :
                info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
              if (heapPools.contains(e.getKey())) {
                live += e.getValue().getUsed();
              }
            }
            liveAfterGc.set(live);
          };
      emitter.addNotificationListener(listener, null, null);
      unsubscribe.add(
          () -> {
            try {
              emitter.removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException e) {
              // already gone
            }
          });
    }
  }

  /** Stops listening to the JVM's collections (a node stopped in a JVM that goes on). */
  public void close() {
    unsubscribe.forEach(Runnable::run);
    unsubscribe.clear();
  }

  /** For /stats: the figures the decisions use. */
  public io.vertx.core.json.JsonObject toJson() {
    return new io.vertx.core.json.JsonObject()
        .put("level", level().name())
        .put("maxHeapBytes", maxHeap)
        .put("liveHeapAfterGcBytes", liveAfterGc.get())
        .put("heldBytes", held.get())
        .put("directBytes", directBytes())
        .put("shedPressure", shedCount(Level.PRESSURE))
        .put("shedCritical", shedCount(Level.CRITICAL));
  }
}
