package io.httpsproxy.ingress;

import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.GoneSignal;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.SinkBase;
import io.httpsproxy.security.HeaderHygiene;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side of an absolute-form request: its body is the client connection's, its answer is
 * written to the client as it streams. The upstream's Content-Length is kept when it gave one (so
 * the client can tell a cut-off body); otherwise the body is chunked (HTTP/1.1) or delimited by
 * closing the connection (HTTP/1.0). A body that cannot be completed closes the connection, so it
 * never looks complete.
 */
final class ForwardDownstream implements Downstream {
  private final Exchange ex;
  private final HttpServerRequest req;
  private final RequestBody body;

  // confined to the ingress verticle's event loop
  private final GoneSignal gone = new GoneSignal();
  private boolean headSent;
  private boolean closeAtEnd;

  /** {@code body} is null when the request has none. */
  ForwardDownstream(Exchange ex, HttpServerRequest req, RequestBody body) {
    this.ex = ex;
    this.req = req;
    this.body = body;
    req.response().closeHandler(v -> clientGone());
  }

  @Override
  public ReadStream<Buffer> body() {
    return body;
  }

  @Override
  public WriteStream<Buffer> respond(ProxyReply head) {
    headSent = true;
    ex.reply(head);
    HttpServerResponse resp = req.response();
    resp.setStatusCode(head.status());
    String length = null;
    for (Header h : head.headers()) {
      if (h.name().equalsIgnoreCase("content-length")) {
        length = h.value();
      } else if (!h.name().equalsIgnoreCase(ErrorResponder.REQUEST_ID_HEADER)) {
        resp.headers().add(h.name(), h.value()); // the proxy's own id is there already
      }
    }
    resp.headers().add(HeaderHygiene.VIA.name(), HeaderHygiene.VIA.value());
    if (length != null) {
      resp.putHeader(HttpHeaders.CONTENT_LENGTH, length);
    } else if (!bodyless(head.status())) {
      if (req.version() == HttpVersion.HTTP_1_0) {
        resp.putHeader(HttpHeaders.CONNECTION, "close");
        closeAtEnd = true;
      } else {
        resp.setChunked(true);
      }
    }
    ex.streamStarted(head.status());
    return new Sink(resp);
  }

  /** RFC 9112 section 6.3: these never have a body, whatever their headers say. */
  private boolean bodyless(int status) {
    return req.method() == HttpMethod.HEAD || status < 200 || status == 204 || status == 304;
  }

  @Override
  public void fail(ProxyReply failure) {
    countBytesIn();
    if (body != null) {
      body.discard();
    }
    if (!headSent) {
      ex.reply(failure);
      // Unread body bytes left on the connection cannot be trusted as the next request.
      ex.fail(failure.toException(), body != null && !body.complete());
      return;
    }
    ex.streamAborted(
        gone.gone() && failure.failure() != FailureCode.WRITE_TIMEOUT
            ? FailureCode.CLIENT_GONE
            : failure.failure());
  }

  @Override
  public boolean gone() {
    return gone.gone();
  }

  @Override
  public void onGone(Runnable action) {
    gone.onGone(action);
  }

  private void countBytesIn() {
    if (body != null) {
      ex.bytesIn(body.bytes());
    }
  }

  private void clientGone() {
    if (body != null && !gone.gone()) {
      body.discard();
    }
    gone.raise();
  }

  /** The client's response; ending it ends the exchange. */
  /**
   * The client's response; ending it ends the exchange. Chunks that arrive in one turn of the event
   * loop (Netty hands over a read's worth of decoded content at once) go out as one write at the
   * end of that turn, and a response that ends in the turn its body came goes out with its head as
   * one message: a 64 KiB answer was four writes and four flushes, and a 1 KiB one two. At most
   * {@link #FLUSH_AT} bytes wait, and never past the turn.
   */
  private final class Sink extends SinkBase {
    private static final int FLUSH_AT = 256 * 1024;

    private final HttpServerResponse resp;
    private final List<ByteBuf> pending = new ArrayList<>(4);
    private int pendingBytes;
    private boolean flushQueued;

    Sink(HttpServerResponse resp) {
      this.resp = resp;
    }

    @Override
    public Future<Void> write(Buffer data) {
      pending.add(((BufferInternal) data).getByteBuf());
      pendingBytes += data.length();
      if (pendingBytes >= FLUSH_AT) {
        return resp.write(take());
      }
      if (!flushQueued) {
        flushQueued = true;
        Vertx.currentContext().runOnContext(v -> flush());
      }
      return Future.succeededFuture();
    }

    private void flush() {
      flushQueued = false;
      if (!pending.isEmpty() && !resp.ended() && !resp.closed()) {
        resp.write(take());
      }
    }

    private Buffer take() {
      ByteBuf out =
          pending.size() == 1
              ? pending.get(0)
              : Unpooled.wrappedBuffer(pending.toArray(new ByteBuf[0]));
      pending.clear();
      pendingBytes = 0;
      return BufferInternal.buffer(out);
    }

    @Override
    public Future<Void> end() {
      Future<Void> f = pending.isEmpty() ? resp.end() : resp.end(take());
      countBytesIn();
      ex.streamEnded();
      // The upstream may answer before the whole request body came: what is left of it on the
      // connection cannot be taken for the next request.
      boolean unread = body != null && !body.complete();
      if (closeAtEnd || unread || Exchange.closing(resp)) {
        f.onComplete(ar -> req.connection().close());
      }
      return f;
    }

    @Override
    public boolean writeQueueFull() {
      return resp.writeQueueFull();
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      resp.drainHandler(handler);
      return this;
    }
  }
}
