package io.httpsproxy.cache;

import io.httpsproxy.admission.MemoryGuard;
import io.httpsproxy.config.CacheConfig;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.SinkBase;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The downstream of a GET that went upstream through the cache. The answer streams to the client as
 * it would without a cache; when it may be stored, its body is copied while it flows, up to
 * cacheMaxObjectBytes (reserved with the memory guard as it grows), and stored when it ends
 * complete. A body that grows past the bound, a refused reservation or a failure only stops the
 * storing, never the answer. A 304 to the cache's own revalidation refreshes the stored response
 * and answers the client from it. The fill it leads (if any) is completed exactly once.
 */
public final class FillingDownstream implements Downstream {
  private final Downstream inner;
  private final ResponseCache cache;
  private final CacheRequest req;
  private final StoredResponse revalidating;
  private final StoredResponse stale;
  private final Fill fill;
  private final Consumer<CacheStatus> outcome;
  private final long requestTimeMs = System.currentTimeMillis();
  private Tee tee;
  private boolean responded;

  FillingDownstream(
      Downstream inner,
      ResponseCache cache,
      CacheRequest req,
      StoredResponse revalidating,
      StoredResponse stale,
      Fill fill,
      Consumer<CacheStatus> outcome) {
    this.stale = stale;
    this.inner = inner;
    this.cache = cache;
    this.req = req;
    this.revalidating = revalidating;
    this.fill = fill;
    this.outcome = outcome;
  }

  @Override
  public ReadStream<Buffer> body() {
    return inner.body();
  }

  @Override
  public WriteStream<Buffer> respond(ProxyReply head) {
    responded = true;
    long now = System.currentTimeMillis();
    if (!req.isGet()) {
      return headAnswered(head, now);
    }
    if (revalidating != null && head.status() == 304) {
      StoredResponse fresh = revalidating.refreshedBy(head.headers(), requestTimeMs, now);
      if (CacheRules.storable(req, fresh.status(), fresh.headers(), heuristic())) {
        cache.put(fresh);
        complete(fresh);
      } else {
        cache.invalidate(fresh.key());
        complete(null);
      }
      report(CacheStatus.REVALIDATED);
      return new StoredSink(fresh, CacheStatus.REVALIDATED, head);
    }
    if (stale != null && StaleRules.onErrorStatus(stale, req, head.status(), now)) {
      complete(null);
      report(CacheStatus.STALE);
      return new StoredSink(stale, CacheStatus.STALE, head);
    }
    report(CacheStatus.MISS);
    CacheConfig cfg = cache.config();
    boolean storable =
        cfg.enabled()
            && CacheRules.storable(req, head.status(), head.headers(), cfg.heuristic())
            && cache.memory().level() == MemoryGuard.Level.NORMAL;
    long declared = declaredLength(head.headers());
    if (storable && declared > cfg.maxObjectBytes()) {
      cache.stats().tooLarge();
      storable = false;
    }
    ProxyReply withStatus =
        withHeader(head, CacheStatus.MISS.header() + (storable ? "; stored" : ""));
    if (!storable) {
      complete(null);
      return inner.respond(withStatus);
    }
    tee = new Tee(inner.respond(withStatus), head, now, cfg.maxObjectBytes());
    return tee;
  }

  /** A HEAD that went upstream with a stored GET: a matching 200 refreshes what is stored. */
  private WriteStream<Buffer> headAnswered(ProxyReply head, long now) {
    if (revalidating == null
        || head.status() != 200
        || !CacheRules.headMatches(revalidating, head.headers())) {
      report(CacheStatus.MISS);
      return inner.respond(head);
    }
    StoredResponse fresh = revalidating.refreshedBy(head.headers(), requestTimeMs, now);
    if (CacheRules.storable(req.asGet(), fresh.status(), fresh.headers(), heuristic())) {
      cache.put(fresh);
    } else {
      cache.invalidate(fresh.key());
    }
    report(CacheStatus.REVALIDATED);
    return new StoredSink(fresh, CacheStatus.REVALIDATED, head);
  }

  @Override
  public void fail(ProxyReply failure) {
    if (tee != null) {
      tee.giveUp();
    }
    complete(null);
    long now = System.currentTimeMillis();
    if (!responded
        && stale != null
        && !inner.gone()
        && StaleRules.onFailure(stale, req, failure.failure(), now)) {
      // RFC 9111 section 4.2.4: disconnected from the origin, a stale answer that no directive
      // forbids is better than an error (stale-if-error, RFC 5861, widens it to 5xx answers).
      report(CacheStatus.STALE);
      new StoredSink(stale, CacheStatus.STALE, failure).end();
      return;
    }
    inner.fail(failure);
  }

  @Override
  public boolean gone() {
    return inner.gone();
  }

  @Override
  public void onGone(Runnable action) {
    inner.onGone(action);
  }

  private double heuristic() {
    return cache.config().heuristic();
  }

  private void report(CacheStatus s) {
    cache.count(s);
    outcome.accept(s);
  }

  private void complete(StoredResponse stored) {
    if (fill != null) {
      fill.complete(stored);
    }
  }

  private static long declaredLength(List<Header> headers) {
    String v = HttpDates.first(headers, "content-length");
    try {
      return v == null ? -1 : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static ProxyReply withHeader(ProxyReply head, String cacheStatus) {
    List<Header> h = new ArrayList<>(head.headers());
    h.add(new Header("Cache-Status", cacheStatus));
    return new ProxyReply(
        head.status(), h, null, null, head.queueMs(), head.upstreamMs(), head.node());
  }

  /**
   * The body of an upstream answer the client does not get (a 304, or an error replaced by a stale
   * response): dropped; at its end the client is answered from {@code stored}.
   */
  private final class StoredSink extends SinkBase {
    private final StoredResponse stored;
    private final CacheStatus status;
    private final ProxyReply upstream;

    StoredSink(StoredResponse stored, CacheStatus status, ProxyReply upstream) {
      this.stored = stored;
      this.status = status;
      this.upstream = upstream;
    }

    @Override
    public Future<Void> write(Buffer data) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      long now = System.currentTimeMillis();
      ProxyReply answer = Answers.reply(stored, now, status, upstream, upstream.node(), false);
      cache.stats().served(stored.bodyBytes());
      return Answers.write(stored, req.isGet(), inner.respond(answer));
    }
  }

  /** Passes the body on and keeps a copy, until it ends or outgrows the bound. */
  private final class Tee extends SinkBase {
    private final WriteStream<Buffer> out;
    private final ProxyReply head;
    private final long responseTimeMs;
    private final long maxBytes;
    private List<byte[]> chunks = new ArrayList<>();
    private long bytes;
    private long reserved;

    Tee(WriteStream<Buffer> out, ProxyReply head, long responseTimeMs, long maxBytes) {
      this.out = out;
      this.head = head;
      this.responseTimeMs = responseTimeMs;
      this.maxBytes = maxBytes;
    }

    @Override
    public Future<Void> write(Buffer data) {
      if (chunks != null) {
        int n = data.length();
        if (bytes + n > maxBytes) {
          cache.stats().tooLarge();
          giveUp();
        } else if (!cache.memory().reserve(n)) {
          giveUp();
        } else {
          reserved += n;
          bytes += n;
          chunks.add(data.getBytes()); // a copy: the buffer itself goes on to the client
        }
      }
      return out.write(data);
    }

    @Override
    public Future<Void> end() {
      if (chunks != null) {
        List<Header> headers = new ArrayList<>(CacheRules.withoutQualified(head.headers()));
        if (HttpDates.first(headers, "date") == null) {
          headers.add(new Header("Date", HttpDates.format(responseTimeMs)));
        }
        StoredResponse e =
            new StoredResponse(
                req.key,
                head.status(),
                List.copyOf(headers),
                List.copyOf(chunks),
                bytes,
                requestTimeMs,
                responseTimeMs,
                CacheRules.varyOf(head.headers(), req.headers),
                req.authorization);
        release();
        cache.put(e);
        complete(e);
      }
      return out.end();
    }

    /** Stops storing (the answer goes on); the reserved bytes go back at once. */
    private void giveUp() {
      if (chunks == null) {
        return;
      }
      release();
      complete(null);
    }

    private void release() {
      cache.memory().release(reserved);
      reserved = 0;
      chunks = null;
    }

    @Override
    public boolean writeQueueFull() {
      return out.writeQueueFull();
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      out.drainHandler(handler);
      return this;
    }
  }
}
