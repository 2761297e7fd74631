package io.httpsproxy.cache;

import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.security.Target;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Where a forward-proxy request meets the cache, after the ACL, authentication, rate limit and
 * request checks (the ingress calls it where it would send the request upstream). It answers from
 * the cache, sends the request upstream (conditionally, to revalidate), or makes it wait for an
 * identical request already under way. The ingress does the answering ({@link Route}).
 */
public final class CacheFront {
  /** What the ingress does for the cache, on the request's event loop. */
  public interface Route {
    /** Sends the request upstream with {@code headers}; {@code wrap} wraps its downstream. */
    void upstream(List<Header> headers, UnaryOperator<Downstream> wrap);

    /**
     * Answers from {@code e} (after the destination policy allows the target): {@code notModified}
     * makes it a 304 for the client's own conditional request.
     */
    void serve(StoredResponse e, CacheStatus status, boolean notModified);

    /** only-if-cached and nothing usable: 504 (RFC 9111 section 5.2.1.7). */
    void notCached();

    /**
     * A waiter woken after its client left: true when the client has gone (then the route has
     * recorded it, and nothing more is done).
     */
    boolean answeredGone();

    /** For the access log. */
    void outcome(CacheStatus status);
  }

  private final ResponseCache cache;

  public CacheFront(ResponseCache cache) {
    this.cache = cache;
  }

  public boolean enabled() {
    return cache.config().enabled();
  }

  public ResponseCache cache() {
    return cache;
  }

  /**
   * {@code headers} are the ones that would go upstream; a request with a body is never answered
   * from the cache (its body would be left unread).
   */
  public void handle(
      String method, Target target, List<Header> headers, boolean withBody, Route route) {
    CacheRequest req = new CacheRequest(method, CacheKey.of(target), headers);
    if (req.bypasses() || withBody) {
      count(route, CacheStatus.BYPASS);
      boolean safe = method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
      route.upstream(
          headers, safe || method.equals("TRACE") ? d -> d : d -> cache.invalidating(d, target));
      return;
    }
    lookup(req, route, true, false);
  }

  private void lookup(CacheRequest req, Route route, boolean mayCollapse, boolean waited) {
    StoredResponse e = cache.get(req.key);
    long now = System.currentTimeMillis();
    CacheRules.Use use =
        e == null ? CacheRules.Use.NONE : CacheRules.use(e, req, now, cache.config().heuristic());
    if (use == CacheRules.Use.FRESH || use == CacheRules.Use.STALE) {
      CacheStatus s =
          use == CacheRules.Use.STALE
              ? CacheStatus.STALE
              : waited ? CacheStatus.COLLAPSED : CacheStatus.HIT;
      count(route, s);
      cache.stats().served(e.bodyBytes());
      route.serve(e, s, req.conditional && CacheRules.notModified(e, req));
      return;
    }
    if (req.onlyIfCached()) {
      count(route, CacheStatus.MISS);
      route.notCached();
      return;
    }
    if (!req.isGet()) {
      // HEAD: answered from a stored GET, never stored itself; its answer may refresh one.
      StoredResponse base = use == CacheRules.Use.REVALIDATE ? e : null;
      route.upstream(
          req.headers,
          base == null
              ? d -> d
              : d -> new FillingDownstream(d, cache, req, base, null, null, route::outcome));
      if (base == null) {
        count(route, CacheStatus.MISS);
      }
      return;
    }
    Fill fill = null;
    if (mayCollapse) {
      ResponseCache.Joined j = cache.join(req.key);
      if (!j.leader()) {
        j.fill()
            .await(Vertx.currentContext(), cache.config().lockTimeout().toMillis())
            .onComplete(
                ar -> {
                  if (!route.answeredGone()) {
                    lookup(req, route, false, ar.result() != null);
                  }
                });
        return;
      }
      fill = j.fill();
    }
    boolean revalidate = use == CacheRules.Use.REVALIDATE && e.hasValidator() && !req.conditional;
    StoredResponse base = revalidate ? e : null;
    StoredResponse stale = use == CacheRules.Use.REVALIDATE ? e : null;
    Fill led = fill;
    route.upstream(
        revalidate ? conditional(req.headers, e) : req.headers,
        d -> new FillingDownstream(d, cache, req, base, stale, led, route::outcome));
  }

  private void count(Route route, CacheStatus s) {
    cache.count(s);
    route.outcome(s);
  }

  /** RFC 9111 section 4.3.1: the stored validators, as the cache's own conditional request. */
  private static List<Header> conditional(List<Header> headers, StoredResponse e) {
    List<Header> out = new ArrayList<>(headers.size() + 2);
    out.addAll(headers);
    if (e.etag() != null) {
      out.add(new Header("If-None-Match", e.etag()));
    }
    if (e.lastModified() != null) {
      out.add(new Header("If-Modified-Since", e.lastModified()));
    }
    return out;
  }
}
