package io.httpsproxy.ingress;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The access log's appender (logback.xml's {@code ACCESS}, or a file set by {@code accessLog}):
 * each event is encoded at once, one event per line as before, but on a Vert.x event loop the bytes
 * wait in that thread's batch, which the same event loop writes with one {@code write(2)} as soon
 * as the tasks already queued on it have run (microseconds later, before it next polls the
 * network).
 *
 * <p>Why: one synchronous write per request, under a lock that both event loops want, cost a tenth
 * of requests/s at 1 KiB/64 conns (bench/ab, access log on against off, median of 3 rounds; a fifth
 * in one earlier round), although only about 3 % of CPU went to it: the loops waited on each other.
 * Logback's AsyncAppender was tried before and did not help on 2 cores (its queue hand-off costs a
 * thread wake-up per event). Here a batch holds what one event loop answered in one pass, and the
 * lock is taken once per batch.
 *
 * <p>Lines from other threads are written at once. A batch is bounded ({@value #MAX_BATCH} bytes,
 * then written at once); every batch is written at stop and at JVM exit, so a drain loses nothing.
 */
public final class AccessLogAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  static final int MAX_BATCH = 64 * 1024;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final List<Batch> batches = new CopyOnWriteArrayList<>();
  private final ThreadLocal<Batch> local =
      ThreadLocal.withInitial(
          () -> {
            Batch b = new Batch();
            batches.add(b);
            return b;
          });
  private Encoder<ILoggingEvent> encoder;
  private String file;
  private OutputStream out;
  private Thread exitHook;

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  /** A file to append to; standard output when never set. */
  public void setFile(String file) {
    this.file = file;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder for appender " + name);
      return;
    }
    try {
      out =
          file == null
              ? new FileOutputStream(FileDescriptor.out)
              : new FileOutputStream(file, true);
    } catch (IOException e) {
      addError("cannot open " + file, e);
      return;
    }
    exitHook = new Thread(this::flushAll, "access-log-flush");
    Runtime.getRuntime().addShutdownHook(exitHook);
    super.start();
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    flushAll();
    try {
      Runtime.getRuntime().removeShutdownHook(exitHook);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook is running or has run
    }
    if (file != null) {
      try {
        out.close();
      } catch (IOException e) {
        addError("cannot close " + file, e);
      }
    }
  }

  /**
   * Closes the file and opens it again by its name, for log rotation (logrotate moves the file,
   * then signals: SIGUSR1). Lines already taken are written first, to the old file. False for
   * standard output, or when the file cannot be opened (the old one is kept then).
   */
  public boolean reopen() {
    if (file == null || !isStarted()) {
      return false;
    }
    flushAll();
    writeLock.lock();
    try {
      OutputStream fresh = new FileOutputStream(file, true);
      OutputStream old = out;
      out = fresh;
      old.close();
      return true;
    } catch (IOException e) {
      addError("cannot reopen " + file, e);
      return false;
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  protected void append(ILoggingEvent event) {
    byte[] bytes = encoder.encode(event);
    Context ctx = Context.isOnEventLoopThread() ? Vertx.currentContext() : null;
    if (ctx == null) {
      write(bytes, bytes.length);
      return;
    }
    Batch b = local.get();
    if (b.add(bytes)) {
      ctx.runOnContext(v -> b.flush());
    }
  }

  /** Writes every pending batch; for stop and JVM exit. */
  void flushAll() {
    for (Batch b : batches) {
      b.flush();
    }
  }

  private void write(byte[] bytes, int length) {
    writeLock.lock();
    try {
      out.write(bytes, 0, length);
      out.flush();
    } catch (IOException e) {
      addError("access log write failed", e);
    } finally {
      writeLock.unlock();
    }
  }

  /** One event loop's lines not yet written; its owner and flushAll use it, under its monitor. */
  private final class Batch {
    private byte[] buf = new byte[8192];
    private int length;
    private boolean scheduled;

    /** True when the caller must schedule a flush (the batch was empty). */
    synchronized boolean add(byte[] bytes) {
      if (length + bytes.length > buf.length) {
        if (length + bytes.length > MAX_BATCH) {
          flush();
          if (bytes.length > MAX_BATCH) {
            write(bytes, bytes.length);
            return false;
          }
        } else {
          buf =
              Arrays.copyOf(
                  buf, Math.min(MAX_BATCH, Math.max(buf.length * 2, length + bytes.length)));
        }
      }
      System.arraycopy(bytes, 0, buf, length, bytes.length);
      length += bytes.length;
      if (scheduled) {
        return false;
      }
      scheduled = true;
      return true;
    }

    synchronized void flush() {
      scheduled = false;
      if (length > 0) {
        write(buf, length);
        length = 0;
      }
    }
  }
}
