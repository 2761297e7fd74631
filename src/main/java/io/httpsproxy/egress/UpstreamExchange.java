package io.httpsproxy.egress;

import io.httpsproxy.admission.Admission;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.BodyPipe;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.security.HeaderHygiene;
import io.httpsproxy.security.Target;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream exchange, on its worker's event loop, from the start its {@link Admission.Permit}
 * allowed to the end of the response body. The request body streams from the {@link Downstream}
 * into the upstream request and the response body back, both with back-pressure, so what it holds
 * is a window per direction whatever the bodies' sizes.
 *
 * <p>Timing: {@code requestTimeout} bounds the time to the response head, except while the request
 * body is still being sent (the ingress bounds that with bodyTimeout). The worker slot is given
 * back at the response head: the body that follows is bounded by the window, the client's
 * writeIdleTimeout and the upstream's idle timeout, not by a worker. The exchange ends exactly
 * once: the response ended, a classified failure, the deadline, or the client gone (then the
 * upstream request is reset so its connection does not linger).
 */
final class UpstreamExchange {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamExchange.class);
  private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");

  private final Vertx vertx;
  private final HttpClient client;
  private final DestinationResolver resolver;
  private final UpstreamSettings settings;
  private final ProxyRequest req;
  private final Downstream down;
  private final Admission.Permit permit;
  private final long queueMs;
  private final ProxyStats stats;
  private final long startNanos = System.nanoTime();

  // confined to the worker's event loop
  private HttpClientRequest upstream;
  private BodyPipe requestPipe;
  private BodyPipe responsePipe;
  private long timerId = -1;
  private boolean headSent;
  private boolean finished;

  UpstreamExchange(
      Vertx vertx,
      HttpClient client,
      DestinationResolver resolver,
      UpstreamSettings settings,
      ProxyRequest req,
      Downstream down,
      Admission.Permit permit,
      long queueMs,
      ProxyStats stats) {
    this.vertx = vertx;
    this.client = client;
    this.resolver = resolver;
    this.settings = settings;
    this.req = req;
    this.down = down;
    this.permit = permit;
    this.queueMs = queueMs;
    this.stats = stats;
  }

  /** Starts the call; any bug on the way still ends it with an answer (500). */
  void start() {
    if (down.gone()) {
      // Its client left while it waited: it is never started (nothing reaches the upstream).
      LOG.debug("id={} client left while queued: not started", req.id());
      permit.release();
      stats.abandoned();
      down.fail(ProxyReply.failed(FailureCode.CLIENT_GONE, null, queueMs, 0, settings.node()));
      return;
    }
    down.onGone(this::clientGone);
    try {
      armDeadline();
      Target target = req.target();
      resolver
          .resolve(target.host(), target.port())
          .onComplete(
              ar -> {
                if (finished) {
                  return;
                }
                if (ar.failed()) {
                  fail(FailureClassifier.classify(ar.cause()));
                } else {
                  connect(target, ar.result());
                }
              });
    } catch (RuntimeException e) {
      LOG.error("id={} upstream call failed unexpectedly", req.id(), e);
      fail(new ProxyException(FailureCode.INTERNAL));
    }
  }

  private void connect(Target target, SocketAddress checked) {
    long left = Math.max(1, req.requestTimeoutMs() - elapsedMs());
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.valueOf(req.method()))
            .setServer(checked)
            .setHost(target.host())
            .setPort(target.port())
            .setSsl(target.https())
            .setURI(target.pathAndQuery())
            .setConnectTimeout(Math.min(settings.connectTimeoutMs(), left))
            .setIdleTimeout(req.requestTimeoutMs());
    client.request(options).onComplete(this::onRequest);
  }

  private void onRequest(AsyncResult<HttpClientRequest> ar) {
    if (ar.failed()) {
      if (!finished) {
        fail(FailureClassifier.classify(ar.cause()));
      }
      return;
    }
    HttpClientRequest r = ar.result();
    if (finished) {
      r.reset();
      return;
    }
    upstream = r;
    // the response future reports the failure; a reset mid-upload is expected (DEBUG, not ERROR)
    r.exceptionHandler(t -> LOG.debug("id={} upstream request: {}", req.id(), t.toString()));
    HeaderHygiene.forUpstream(req.headers()).forEach(h -> r.headers().add(h.name(), h.value()));
    r.response().onComplete(this::onResponse);
    ReadStream<Buffer> body = req.hasBody() ? down.body() : null;
    if (body == null) {
      if (BODY_METHODS.contains(req.method())) {
        r.putHeader(HttpHeaders.CONTENT_LENGTH, "0");
      }
      r.end();
      return;
    }
    if (req.bodyLength() >= 0) {
      r.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(req.bodyLength()));
    } else {
      r.setChunked(true);
    }
    cancelDeadline(); // while the body streams, the ingress's bodyTimeout bounds the time
    requestPipe = new BodyPipe(vertx, body, r);
    requestPipe.start().onComplete(this::requestSent);
  }

  private void requestSent(AsyncResult<Long> ar) {
    if (finished) {
      return;
    }
    if (ar.succeeded()) {
      if (!headSent) {
        armDeadline();
      }
      return;
    }
    // The client side failed (too large, too slow, gone, its node lost): the call ends with it.
    // An upstream that stopped reading fails the response instead.
    fail(FailureClassifier.classify(ar.cause()));
  }

  private void onResponse(AsyncResult<HttpClientResponse> ar) {
    if (finished) {
      return;
    }
    if (ar.failed()) {
      fail(FailureClassifier.classify(ar.cause()));
      return;
    }
    HttpClientResponse resp = ar.result();
    cancelDeadline();
    long limit = req.maxResponseBytes();
    if (limit > 0 && declaredLength(resp) > limit) {
      fail(tooLarge(limit));
      return;
    }
    headSent = true;
    long upstreamMs = elapsedMs();
    permit.release();
    stats.recordUpstreamCall(upstreamMs);
    ProxyReply head =
        new ProxyReply(
            resp.statusCode(),
            HeaderHygiene.forClient(resp.headers()),
            null,
            null,
            queueMs,
            upstreamMs,
            settings.node());
    responsePipe =
        new BodyPipe(vertx, resp, down.respond(head))
            .limit(limit, () -> tooLarge(limit))
            .stallTimeout(
                settings.writeIdleTimeoutMs(),
                () ->
                    new ProxyException(
                        FailureCode.WRITE_TIMEOUT,
                        "the client read nothing for writeIdleTimeout ("
                            + settings.writeIdleTimeoutMs()
                            + " ms)"))
            .destinationGone(() -> new ProxyException(FailureCode.CLIENT_GONE));
    responsePipe
        .start()
        .onComplete(
            done -> {
              if (finished) {
                return;
              }
              if (done.succeeded()) {
                finished = true;
                if (requestPipe != null) {
                  requestPipe.cancel(new ProxyException(FailureCode.UPSTREAM_RESET));
                }
              } else {
                fail(FailureClassifier.classify(done.cause()));
              }
            });
  }

  private static long declaredLength(HttpClientResponse resp) {
    String v = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static ProxyException tooLarge(long limit) {
    return new ProxyException(
        FailureCode.UPSTREAM_BODY_TOO_LARGE,
        "upstream response body exceeds the limit (" + limit + " bytes)");
  }

  private void clientGone() {
    if (finished) {
      return;
    }
    fail(new ProxyException(FailureCode.CLIENT_GONE));
  }

  private void armDeadline() {
    cancelDeadline();
    timerId = vertx.setTimer(Math.max(1, req.requestTimeoutMs()), id -> onDeadline());
  }

  private void cancelDeadline() {
    if (timerId != -1) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  private void onDeadline() {
    timerId = -1;
    if (finished) {
      return;
    }
    fail(
        new ProxyException(
            FailureCode.UPSTREAM_TIMEOUT,
            "upstream did not answer within requestTimeout (" + req.requestTimeoutMs() + " ms)"));
  }

  /** Ends the exchange with {@code e}: the client side is told, the upstream request reset. */
  private void fail(ProxyException e) {
    if (finished) {
      return;
    }
    finished = true;
    cancelDeadline();
    long ms = elapsedMs();
    if (!headSent) {
      permit.release();
      stats.recordUpstreamCall(ms);
    }
    LOG.debug("id={} upstream exchange failed: {} {}", req.id(), e.code(), e.getMessage());
    if (requestPipe != null) {
      requestPipe.cancel(e);
    }
    if (responsePipe != null) {
      responsePipe.cancel(e);
    }
    if (upstream != null) {
      upstream.reset();
    }
    down.fail(ProxyReply.failed(e, queueMs, ms, settings.node()));
  }

  private long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
