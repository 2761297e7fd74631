package io.httpsproxy.cache;

import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyReply;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Answers made from a stored response: their head, and their body written with back-pressure. */
public final class Answers {
  /** Not repeated from the stored head: the cache sets them (Age, length) or they describe it. */
  private static final Set<String> REPLACED = Set.of("age", "content-length", "cache-status");

  /** What a 304 made by the cache leaves out (RFC 9110 section 15.4.5: no content headers). */
  private static final Set<String> NOT_IN_304 =
      Set.of("content-length", "content-type", "content-encoding", "content-range");

  private Answers() {}

  /**
   * The head for {@code e}: its stored headers with Age (RFC 9111 section 5.1), Cache-Status and
   * the body's Content-Length; {@code notModified} makes it a 304. Timings come from {@code
   * upstream} when there was an upstream call (a revalidation), else zero.
   */
  public static ProxyReply reply(
      StoredResponse e,
      long nowMs,
      CacheStatus status,
      ProxyReply upstream,
      String node,
      boolean notModified) {
    List<Header> h = new ArrayList<>(e.headers().size() + 3);
    for (Header x : e.headers()) {
      String n = x.name().toLowerCase(java.util.Locale.ROOT);
      if (!REPLACED.contains(n) && !(notModified && NOT_IN_304.contains(n))) {
        h.add(x);
      }
    }
    h.add(new Header("Age", Long.toString(CacheRules.ageMs(e, nowMs) / 1000)));
    h.add(new Header("Cache-Status", status.header()));
    boolean bodyless = notModified || e.status() == 204 || e.status() == 304;
    if (!bodyless) {
      h.add(new Header("Content-Length", Long.toString(e.bodyBytes())));
    }
    return new ProxyReply(
        notModified ? 304 : e.status(),
        h,
        null,
        null,
        upstream == null ? 0 : upstream.queueMs(),
        upstream == null ? 0 : upstream.upstreamMs(),
        upstream == null ? node : upstream.node());
  }

  /**
   * Writes {@code e}'s body to {@code out} (nothing when {@code withBody} is false) and ends it,
   * waiting for drain whenever its queue is full: a slow reader holds the stored chunks (shared),
   * not a copy. The chunks are wrapped, not copied, and cannot be released by the writer.
   */
  public static Future<Void> write(StoredResponse e, boolean withBody, WriteStream<Buffer> out) {
    Promise<Void> done = Promise.promise();
    new Object() {
      int next = 0;

      void go() {
        while (withBody && next < e.body().size()) {
          if (out.writeQueueFull()) {
            out.drainHandler(v -> go());
            return;
          }
          byte[] chunk = e.body().get(next++);
          out.write(
              BufferInternal.buffer(Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(chunk))));
        }
        out.end().onComplete(done);
      }
    }.go();
    return done.future();
  }
}
