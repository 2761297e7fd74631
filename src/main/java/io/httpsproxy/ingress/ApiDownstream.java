package io.httpsproxy.ingress;

import io.httpsproxy.admission.MemoryGuard;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.GoneSignal;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.SinkBase;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/**
 * The client side of a JSON API request. Its bodies travel inside JSON, so they are whole in
 * memory: the request body was decoded from the API request, and the response body is collected
 * (the worker holds it to the API's limit) and then written into the JSON answer. Nothing reaches
 * the client before the end, so a failure at any point is a clean error answer.
 */
final class ApiDownstream implements Downstream {
  private final Exchange ex;
  private final HttpServerRequest req;
  private final Buffer requestBody;

  // confined to the ingress verticle's event loop
  private final GoneSignal gone = new GoneSignal();

  private final MemoryGuard memory;

  /** {@code requestBody} is null when none goes upstream. */
  ApiDownstream(Exchange ex, HttpServerRequest req, Buffer requestBody, MemoryGuard memory) {
    this.ex = ex;
    this.memory = memory;
    this.req = req;
    this.requestBody = requestBody;
    req.response().closeHandler(v -> clientGone());
  }

  @Override
  public ReadStream<Buffer> body() {
    return requestBody == null ? null : new OneBuffer(requestBody);
  }

  @Override
  public WriteStream<Buffer> respond(ProxyReply head) {
    ex.reply(head);
    return new Collector(head);
  }

  @Override
  public void fail(ProxyReply failure) {
    ex.reply(failure);
    ex.fail(failure.toException());
  }

  @Override
  public boolean gone() {
    return gone.gone();
  }

  @Override
  public void onGone(Runnable action) {
    gone.onGone(action);
  }

  private void clientGone() {
    gone.raise();
  }

  /** The upstream's body, whole; its end writes the JSON answer. */
  private final class Collector extends SinkBase {
    private final ProxyReply head;
    private final Buffer body = Buffer.buffer();
    private long reserved;
    private boolean refused;

    Collector(ProxyReply head) {
      this.head = head;
      ex.onDone(() -> memory.release(reserved));
    }

    @Override
    public Future<Void> write(Buffer data) {
      if (refused) {
        return Future.failedFuture("over the memory budget");
      }
      if (!memory.reserve(data.length())) {
        // The answer would take the node past memoryCritical: refused, and the upstream call
        // stops (the worker hears the client side is gone).
        refused = true;
        memory.shed(MemoryGuard.Level.CRITICAL);
        ex.fail(new ProxyException(FailureCode.MEMORY_PRESSURE));
        clientGone();
        return Future.failedFuture("over the memory budget");
      }
      reserved += data.length();
      body.appendBuffer(data);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      if (refused) {
        return Future.succeededFuture();
      }
      ex.respond(
          head.status(),
          resp -> {
            Future<Void> written =
                resp.putHeader("Content-Type", "application/json")
                    .end(ApiAnswer.encode(head, body, ex.elapsedMs()));
            if (Exchange.closing(resp)) {
              written.onComplete(ar -> req.connection().close());
            }
          });
      return Future.succeededFuture();
    }
  }

  /** A body already in memory, as a stream of one chunk. */
  private static final class OneBuffer implements ReadStream<Buffer> {
    private Buffer pending;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private boolean paused = true;
    private boolean ended;

    OneBuffer(Buffer body) {
      this.pending = body;
    }

    private void emit() {
      if (paused || ended) {
        return;
      }
      if (pending != null && handler != null) {
        Buffer b = pending;
        pending = null;
        handler.handle(b);
      }
      if (pending == null && !paused && endHandler != null && !ended) {
        ended = true;
        endHandler.handle(null);
      }
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> h) {
      handler = h;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      paused = true;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      paused = false;
      emit();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      return amount > 0 ? resume() : this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> h) {
      endHandler = h;
      return this;
    }
  }
}
