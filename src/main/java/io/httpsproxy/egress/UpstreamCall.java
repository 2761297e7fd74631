package io.httpsproxy.egress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.security.HeaderHygiene;
import io.httpsproxy.security.Target;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream exchange, run on its upstream verticle's event loop. It ends exactly once: with the
 * response, a classified failure, or the request deadline (then the HTTP request is reset so the
 * connection does not linger).
 */
final class UpstreamCall {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamCall.class);
  private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");

  private final Vertx vertx;
  private final DestinationResolver resolver;
  private final BiConsumer<UpstreamCall, Runnable> scope;
  private final UpstreamSettings settings;
  private final ProxyRequest req;
  private final long queueMs;
  private final Handler<ProxyReply> done;
  private final long startNanos = System.nanoTime();

  // state confined to the upstream verticle's event loop
  private HttpClientRequest httpRequest;
  private long timerId = -1;
  private boolean finished;

  /**
   * @param scope runs the WebClient send so that the verticle's interceptor can tie the HTTP
   *     request to this call
   */
  UpstreamCall(
      Vertx vertx,
      DestinationResolver resolver,
      BiConsumer<UpstreamCall, Runnable> scope,
      UpstreamSettings settings,
      ProxyRequest req,
      long queueMs,
      Handler<ProxyReply> done) {
    this.vertx = vertx;
    this.resolver = resolver;
    this.scope = scope;
    this.settings = settings;
    this.req = req;
    this.queueMs = queueMs;
    this.done = done;
  }

  /** Sends the request; any bug on the way still ends the call with an answer (500). */
  void start(WebClient client) {
    try {
      send(client);
    } catch (RuntimeException e) {
      LOG.error("id={} upstream call failed unexpectedly", req.id(), e);
      if (!finished) {
        finish(
            ProxyReply.failed(FailureCode.INTERNAL, null, queueMs, elapsedMs(), settings.node()));
      }
    }
  }

  private void send(WebClient client) {
    // Parsed and validated by the ingress (or by the codec, for a request from another node).
    Target target = req.target();
    long budget = Math.max(1, req.requestTimeoutMs());
    timerId = vertx.setTimer(budget, id -> onDeadline());
    // The budget covers the name lookup too; the connection goes to the address checked here.
    resolver
        .resolve(target.host(), target.port())
        .onComplete(
            ar -> {
              if (finished) {
                return;
              }
              if (ar.failed()) {
                fail(FailureClassifier.classify(ar.cause()));
                return;
              }
              try {
                scope.accept(this, () -> sendTo(client, target, ar.result(), budget));
              } catch (RuntimeException e) {
                LOG.error("upstream call {} failed unexpectedly", req.id(), e);
                fail(new ProxyException(FailureCode.INTERNAL));
              }
            });
  }

  private void sendTo(WebClient client, Target target, SocketAddress checked, long budget) {
    long left = Math.max(1, budget - elapsedMs());
    RequestOptions options =
        new RequestOptions()
            .setHost(target.host())
            .setPort(target.port())
            .setSsl(target.https())
            .setURI(target.pathAndQuery());
    HttpRequest<Buffer> request =
        client
            .request(HttpMethod.valueOf(req.method()), checked, options)
            .followRedirects(false)
            .connectTimeout(Math.min(settings.connectTimeoutMs(), left))
            .idleTimeout(left)
            .as(new LimitedBodyCodec(settings.maxBodyBytes()));
    HeaderHygiene.forUpstream(req.headers())
        .forEach(h -> request.headers().add(h.name(), h.value()));
    boolean withBody = req.body().length() > 0 || BODY_METHODS.contains(req.method());
    (withBody ? request.sendBuffer(req.body()) : request.send()).onComplete(this::onResult);
  }

  /** Called by the WebClient interceptor once the HTTP request exists. */
  void attach(HttpClientRequest r) {
    httpRequest = r;
    if (finished) {
      r.reset();
    }
  }

  private void onDeadline() {
    timerId = -1;
    if (finished) {
      return;
    }
    finish(
        ProxyReply.failed(
            FailureCode.UPSTREAM_TIMEOUT,
            "upstream did not answer within requestTimeout (" + req.requestTimeoutMs() + " ms)",
            queueMs,
            elapsedMs(),
            settings.node()));
    abort();
  }

  private void onResult(AsyncResult<HttpResponse<Buffer>> ar) {
    if (finished) {
      return;
    }
    if (ar.succeeded()) {
      HttpResponse<Buffer> resp = ar.result();
      finish(
          new ProxyReply(
              resp.statusCode(),
              HeaderHygiene.forClient(resp.headers()),
              resp.body(),
              null,
              null,
              queueMs,
              elapsedMs(),
              settings.node()));
      return;
    }
    ProxyException e = FailureClassifier.classify(ar.cause());
    fail(e);
    if (e.code() == FailureCode.UPSTREAM_BODY_TOO_LARGE) {
      abort();
    }
  }

  private void fail(ProxyException e) {
    LOG.debug("id={} upstream call failed: {} {}", req.id(), e.code(), e.getMessage());
    finish(ProxyReply.failed(e.code(), e.getMessage(), queueMs, elapsedMs(), settings.node()));
  }

  private void abort() {
    if (httpRequest != null) {
      httpRequest.reset();
    }
  }

  private void finish(ProxyReply reply) {
    finished = true;
    if (timerId != -1) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    done.handle(reply);
  }

  private long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
