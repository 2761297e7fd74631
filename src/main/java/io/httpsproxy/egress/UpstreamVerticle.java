package io.httpsproxy.egress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.reload.LiveSettings;
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
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A worker: makes upstream calls with its own WebClient (pooled keep-alive connections, TLS
 * verified) on its own event loop. One instance per event loop; the dispatcher decides how many
 * calls run at once across all of them ({@code workers}). WebClient is non-blocking, so workers are
 * event-loop verticles, not worker-thread verticles.
 */
public final class UpstreamVerticle extends VerticleBase {
  private static final String CALL_KEY = "https-proxy.call";

  private final LiveSettings settings;
  private final UpstreamPool pool;
  private final ProxyStats stats;
  private final String node;

  // state confined to this verticle's event loop; `active` is also read by the dispatcher, racily
  private WebClientOptions clientOptions;
  private WebClient client;

  /** Calls running on each client: the current one, and older ones retired by a reload. */
  private final Map<WebClient, Integer> callsByClient = new IdentityHashMap<>();

  private final Engines engines;
  private DestinationResolver resolver;
  private UpstreamCall sending;
  private volatile int active;

  public UpstreamVerticle(
      LiveSettings settings, UpstreamPool pool, ProxyStats stats, String node, Engines engines) {
    this.settings = settings;
    this.engines = engines;
    this.pool = pool;
    this.stats = stats;
    this.node = node;
  }

  @Override
  public Future<?> start() throws Exception {
    clientOptions = clientOptions(settings.config());
    engines.applyTo(clientOptions);
    client = newClient(settings.config().workers());
    resolver = new DestinationResolver(vertx, () -> settings.get().policy(), stats);
    settings.onChange(
        (before, after) -> {
          int workers = after.config().workers();
          if (workers != before.config().workers()) {
            context.runOnContext(v -> replaceClient(workers));
          }
        });
    pool.register(this);
    return Future.succeededFuture();
  }

  /**
   * Connection pools are sized by {@code workers} when a client is made, so a reload that changes
   * it gets a new client for new calls; the old one closes once its running calls have ended.
   */
  private void replaceClient(int workers) {
    WebClient old = client;
    client = newClient(workers);
    if (callsByClient.getOrDefault(old, 0) == 0) {
      callsByClient.remove(old);
      old.close();
    }
  }

  private WebClient newClient(int workers) {
    // The dispatcher caps concurrency at `workers`, so the pool never needs more per host.
    PoolOptions poolOptions =
        new PoolOptions().setHttp1MaxSize(workers).setMaxWaitQueueSize(workers);
    WebClient made = WebClient.create(vertx, clientOptions, poolOptions);
    made.addInterceptor(this::intercept);
    return made;
  }

  /** TLS trust is read once, at start-up (caFile needs a restart). */
  private static WebClientOptions clientOptions(ProxyConfig config) throws Exception {
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
    return options;
  }

  @Override
  public Future<?> stop() {
    pool.unregister(this);
    client.close();
    callsByClient.keySet().stream().filter(c -> c != client).forEach(WebClient::close);
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
          WebClient using = client;
          callsByClient.merge(using, 1, Integer::sum);
          UpstreamCall call =
              new UpstreamCall(
                  vertx,
                  resolver,
                  this::sendInScope,
                  UpstreamSettings.of(settings.config(), node),
                  req,
                  queueMs,
                  reply -> {
                    active--;
                    callEnded(using);
                    stats.recordUpstreamCall(reply.upstreamMs());
                    done.handle(reply);
                  });
          call.start(using);
        });
  }

  private void callEnded(WebClient used) {
    int left = callsByClient.merge(used, -1, Integer::sum);
    if (left == 0) {
      callsByClient.remove(used);
      if (used != client) {
        used.close();
      }
    }
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
