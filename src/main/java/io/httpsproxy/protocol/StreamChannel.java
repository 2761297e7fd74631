package io.httpsproxy.protocol;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayDeque;

/**
 * One exchange's link to the node on the other side: a {@link ReadStream} of the chunks the peer
 * sends ({@link #source()}) and a {@link WriteStream} towards it ({@link #sink()}), with
 * credit-based flow control both ways. The receiver grants chunks as its reader consumes them, so
 * no more than {@code window} chunks of at most {@link #CHUNK} bytes are ever queued for the
 * exchange per direction, however slow either end is.
 */
public final class StreamChannel {
  /** Largest DATA chunk; bigger writes are sliced. Netty reads at most 64 KiB at a time anyway. */
  public static final int CHUNK = 64 * 1024;

  private final StreamRouter router;
  private final String key;
  private final String peer;
  private final Context context;
  private final Source source;
  private final Sink sink = new Sink();

  // confined to `context`
  private boolean closed;
  private Handler<ProxyReply> resetHandler;
  private Runnable cancelHandler;
  private Runnable peerLostHandler;
  private Runnable firstCreditHandler;

  StreamChannel(StreamRouter router, String key, String peer, Context context, int window) {
    this.router = router;
    this.key = key;
    this.peer = peer;
    this.context = context;
    this.source = new Source(Math.max(1, window));
  }

  public String key() {
    return key;
  }

  public String peer() {
    return peer;
  }

  Context context() {
    return context;
  }

  /** What the peer sends; paused until read. */
  public ReadStream<Buffer> source() {
    return source;
  }

  /** Towards the peer; full until the peer grants credit. */
  public WriteStream<Buffer> sink() {
    return sink;
  }

  /** Lets the peer send a window of chunks now (the other credits follow consumption). */
  public void grantWindow() {
    send(StreamFrame.credit(key, source.window));
  }

  /** Credit the peer granted before any frame (a request's initial response window). */
  public void initialCredit(int credits) {
    sink.credits += credits;
  }

  /** A RESET from the peer: its side failed after the answer began. */
  public StreamChannel resetHandler(Handler<ProxyReply> h) {
    this.resetHandler = h;
    return this;
  }

  /** A CANCEL from the peer: its client has gone. */
  public StreamChannel cancelHandler(Runnable h) {
    this.cancelHandler = h;
    return this;
  }

  /** The peer left the cluster. */
  public StreamChannel peerLostHandler(Runnable h) {
    this.peerLostHandler = h;
    return this;
  }

  /** The peer's first credit: it has started reading what this side sends. */
  public StreamChannel firstCreditHandler(Runnable h) {
    this.firstCreditHandler = h;
    return this;
  }

  public void send(StreamFrame frame) {
    if (!closed) {
      router.send(peer, frame);
    }
  }

  /** This side is done: later frames for the exchange are dropped by the router. */
  public void close() {
    closed = true;
    router.remove(key);
  }

  void onFrame(StreamFrame f) {
    if (closed) {
      return;
    }
    switch (f.kind()) {
      case DATA -> source.push(f.data());
      case END -> source.end();
      case CREDIT -> sink.grant(f.credits());
      case RESET -> {
        source.fail(f.failure().toException());
        if (resetHandler != null) {
          resetHandler.handle(f.failure());
        }
      }
      case CANCEL -> {
        if (cancelHandler != null) {
          cancelHandler.run();
        }
      }
    }
  }

  void peerLost() {
    if (closed) {
      return;
    }
    source.fail(new ProxyException(FailureCode.NODE_LOST, "the peer node left the cluster"));
    if (peerLostHandler != null) {
      peerLostHandler.run();
    }
  }

  /** Chunks from the peer, delivered in order as the reader asks for them. */
  private final class Source implements ReadStream<Buffer> {
    private final int window;
    private final int grantBatch;
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;
    private long demand = 0; // paused until read
    private boolean ended;
    private boolean endDelivered;
    private Throwable failure;
    private boolean delivering;
    private int consumed;

    Source(int window) {
      this.window = window;
      this.grantBatch = Math.max(1, window / 2);
    }

    void push(Buffer b) {
      if (ended || failure != null) {
        return;
      }
      queue.add(b);
      deliver();
    }

    void end() {
      ended = true;
      deliver();
    }

    void fail(Throwable t) {
      if (endDelivered || failure != null) {
        return;
      }
      failure = t;
      queue.clear();
      if (exceptionHandler != null) {
        exceptionHandler.handle(t);
      }
    }

    private void deliver() {
      if (delivering) {
        return;
      }
      delivering = true;
      try {
        while (demand > 0 && handler != null && failure == null && !queue.isEmpty()) {
          Buffer b = queue.poll();
          if (demand != Long.MAX_VALUE) {
            demand--;
          }
          handler.handle(b);
          if (++consumed >= grantBatch) {
            send(StreamFrame.credit(key, consumed));
            consumed = 0;
          }
        }
        if (ended && queue.isEmpty() && !endDelivered && failure == null && endHandler != null) {
          endDelivered = true;
          endHandler.handle(null);
        }
      } finally {
        delivering = false;
      }
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
      exceptionHandler = h;
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> h) {
      handler = h;
      deliver();
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      demand = 0;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      demand = Long.MAX_VALUE;
      deliver();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      demand = Math.min(Long.MAX_VALUE, demand + Math.max(0, amount));
      deliver();
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> h) {
      endHandler = h;
      deliver();
      return this;
    }
  }

  /** Chunks to the peer, one credit each. */
  private final class Sink extends SinkBase {
    private int credits;
    private boolean ended;
    private Handler<Void> drainHandler;

    void grant(int n) {
      boolean wasFull = credits <= 0;
      boolean first = firstCreditHandler != null;
      credits += n;
      if (first) {
        Runnable h = firstCreditHandler;
        firstCreditHandler = null;
        h.run();
      }
      if (wasFull && credits > 0 && drainHandler != null) {
        Handler<Void> h = drainHandler;
        drainHandler = null;
        h.handle(null);
      }
    }

    @Override
    public Future<Void> write(Buffer data) {
      if (ended || closed) {
        return Future.failedFuture("stream " + key + " is closed");
      }
      int len = data.length();
      if (len <= CHUNK) {
        credits--;
        send(StreamFrame.data(key, data));
        return Future.succeededFuture();
      }
      for (int from = 0; from < len; from += CHUNK) {
        credits--;
        send(StreamFrame.data(key, data.slice(from, Math.min(len, from + CHUNK))));
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      if (!ended) {
        ended = true;
        send(StreamFrame.of(key, StreamFrame.Kind.END));
      }
      return Future.succeededFuture();
    }

    @Override
    public boolean writeQueueFull() {
      return credits <= 0;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      this.drainHandler = handler;
      return this;
    }
  }
}
