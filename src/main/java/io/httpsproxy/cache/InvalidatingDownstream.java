package io.httpsproxy.cache;

import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.security.Target;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.net.URI;

/**
 * RFC 9111 section 4.4: a non-error answer to an unsafe method invalidates the target URI, and the
 * Location and Content-Location URIs when they have the same origin.
 */
final class InvalidatingDownstream implements Downstream {
  private final Downstream inner;
  private final Target target;
  private final ResponseCache cache;

  InvalidatingDownstream(Downstream inner, Target target, ResponseCache cache) {
    this.inner = inner;
    this.target = target;
    this.cache = cache;
  }

  @Override
  public ReadStream<Buffer> body() {
    return inner.body();
  }

  @Override
  public WriteStream<Buffer> respond(ProxyReply head) {
    if (head.status() >= 200 && head.status() < 400) {
      String key = CacheKey.of(target);
      cache.invalidate(key);
      invalidateSameOrigin(key, HttpDates.first(head.headers(), "location"));
      invalidateSameOrigin(key, HttpDates.first(head.headers(), "content-location"));
    }
    return inner.respond(head);
  }

  private void invalidateSameOrigin(String key, String ref) {
    if (ref == null) {
      return;
    }
    try {
      Target other = Target.parse(URI.create(key).resolve(ref.trim()).toString());
      if (other.https() == target.https()
          && other.host().equals(target.host())
          && other.port() == target.port()) {
        cache.invalidate(CacheKey.of(other));
      }
    } catch (IllegalArgumentException | ProxyException e) {
      // not a URI we could have stored
    }
  }

  @Override
  public void fail(ProxyReply failure) {
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
}
