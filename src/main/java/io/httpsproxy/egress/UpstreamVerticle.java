package io.httpsproxy.egress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.security.DestinationPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.HttpContext;

/**
 * A worker: makes upstream calls with its own WebClient (pooled keep-alive connections, TLS
 * verified) on its own event loop. One instance per event loop; the dispatcher decides how many
 * calls run at once across all of them ({@code workers}). WebClient is non-blocking, so workers are
 * event-loop verticles, not worker-thread verticles.
 */
public final class UpstreamVerticle extends VerticleBase {
  private static final String CALL_KEY = "https-proxy.call";

  private final ProxyConfig config;
  private final UpstreamPool pool;
  private final DestinationPolicy policy;
  private final ProxyStats stats;
  private final String node;

  // state confined to this verticle's event loop; `active` is also read by the dispatcher, racily
  private WebClient client;
  private DestinationResolver resolver;
  private UpstreamCall sending;
  private volatile int active;

  public UpstreamVerticle(
      ProxyConfig config,
      UpstreamPool pool,
      DestinationPolicy policy,
      ProxyStats stats,
      String node) {
    this.config = config;
    this.pool = pool;
    this.policy = policy;
    this.stats = stats;
    this.node = node;
  }

  @Override
  public Future<?> start() throws Exception {
    WebClientOptions options =
        new WebClientOptions()
            .setUserAgentEnabled(false)
            .setFollowRedirects(false)
            .setVerifyHost(true)
            .setKeepAlive(true)
            .setDecompressionSupported(false)
            .setMaxHeaderSize(64 * 1024);
    if (config.hasCaFile()) {
      options.setTrustOptions(TrustOptions.wrap(TrustStores.jvmPlus(config.caFile())));
    }
    // The dispatcher caps concurrency at `workers`, so the pool never needs more per host.
    PoolOptions poolOptions =
        new PoolOptions().setHttp1MaxSize(config.workers()).setMaxWaitQueueSize(config.workers());
    client = WebClient.create(vertx, options, poolOptions);
    client.addInterceptor(this::intercept);
    resolver = new DestinationResolver(vertx, policy, stats);
    pool.register(this);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    pool.unregister(this);
    client.close();
    return Future.succeededFuture();
  }

  int active() {
    return active;
  }

  /** Runs one request on this verticle's event loop; {@code done} gets exactly one reply. */
  void submit(ProxyRequest req, long queueMs, Handler<ProxyReply> done) {
    Context ctx = context;
    ctx.runOnContext(
        v -> {
          active++;
          UpstreamCall call =
              new UpstreamCall(
                  vertx,
                  resolver,
                  this::sendInScope,
                  UpstreamSettings.of(config, node),
                  req,
                  queueMs,
                  reply -> {
                    active--;
                    stats.recordUpstreamCall(reply.upstreamMs());
                    done.handle(reply);
                  });
          call.start(client);
        });
  }

  /** Runs {@code send} (which calls the WebClient) with {@code call} visible to the interceptor. */
  private void sendInScope(UpstreamCall call, Runnable send) {
    sending = call;
    try {
      send.run();
    } finally {
      sending = null;
    }
  }

  /**
   * Ties the WebClient's context to the call that is sending (PREPARE_REQUEST runs synchronously
   * inside send()), then hands the call the HTTP request so a deadline can reset it.
   */
  private void intercept(HttpContext<?> ctx) {
    if (ctx.phase() == ClientPhase.PREPARE_REQUEST && sending != null) {
      ctx.set(CALL_KEY, sending);
    } else if (ctx.phase() == ClientPhase.SEND_REQUEST) {
      UpstreamCall call = ctx.get(CALL_KEY);
      if (call != null) {
        call.attach(ctx.clientRequest());
      }
    }
    ctx.next();
  }
}
