package io.httpsproxy.egress;

import io.httpsproxy.admission.Admission;
import io.httpsproxy.cluster.NodeFence;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.Addresses;
import io.httpsproxy.protocol.Downstream;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.LocalCall;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.protocol.ProxyRequest;
import io.httpsproxy.protocol.StreamRouter;
import io.httpsproxy.reload.LiveSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * The workers of one event loop: they take requests from the event bus and make the upstream calls
 * with this loop's own HTTP client (pooled keep-alive connections, TLS verified), under the node's
 * {@link Admission}. Made by the ingress verticle of the same loop, on its context, so a request
 * that entered here runs upstream on the thread that read it and its bodies are piped between the
 * two connections with no thread hop. Two consumers:
 *
 * <ul>
 *   <li>{@link Addresses#local}: this loop's own requests ({@link LocalCall}, never on the wire);
 *   <li>{@link Addresses#egress}: requests from other nodes; every loop of the node consumes it, so
 *       the event bus spreads them over the loops. Every node has the same number of consumers
 *       there only by having the same eventLoops; the ingress picks the node itself, so the 5.0.7
 *       clustered node selector (which misweights unequal consumer counts) is never involved.
 * </ul>
 *
 * <p>WebClient is non-blocking, so are these: workers are event-loop code, not worker threads;
 * {@code workers} caps concurrent calls across the node through the Admission.
 */
public final class EgressWorker {
  private final Vertx vertx;
  private final Context context;
  private final int loop;
  private final LiveSettings settings;
  private final Admission admission;
  private final StreamRouter router;
  private final ProxyStats stats;
  private final Engines engines;
  private final UpstreamDns dns;
  private final String node;
  private final String selfId;
  private final NodeFence fence;

  // confined to this loop
  private HttpClient client;
  private DestinationResolver resolver;
  private MessageConsumer<LocalCall> local;
  private MessageConsumer<ProxyRequest> remote;

  /**
   * @param dns this loop's resolver
   * @param node the node's name in answers and logs
   * @param selfId the node's id on the event bus
   */
  public EgressWorker(
      Vertx vertx,
      Context context,
      int loop,
      LiveSettings settings,
      Admission admission,
      StreamRouter router,
      ProxyStats stats,
      Engines engines,
      UpstreamDns dns,
      String node,
      String selfId,
      NodeFence fence) {
    this.vertx = vertx;
    this.context = context;
    this.loop = loop;
    this.settings = settings;
    this.admission = admission;
    this.router = router;
    this.stats = stats;
    this.engines = engines;
    this.dns = dns;
    this.node = node;
    this.selfId = selfId;
    this.fence = fence;
  }

  /** Called on this loop's context: the consumers and the client belong to it. */
  public Future<Void> start() throws Exception {
    client =
        vertx
            .httpClientBuilder()
            .with(clientOptions(settings.config()))
            .with(poolOptions())
            .withConnectHandler(UpstreamGuard::install)
            .build();
    resolver = new DestinationResolver(dns, () -> settings.get().policy(), stats);
    local =
        vertx
            .eventBus()
            .localConsumer(
                localAddress(), m -> admit(m.body().request(), m.body().downstream(), false));
    remote =
        vertx
            .eventBus()
            .consumer(
                Addresses.egress(selfId),
                m -> {
                  RemoteDownstream down =
                      new RemoteDownstream(m, router, context, window(settings.config()));
                  if (fence.refusesRemote(m.body().acceptedAtMs())) {
                    // Read after a freeze: its sender may have answered or re-sent it already.
                    fence.countFencedRemote();
                    down.fail(ProxyReply.failed(FailureCode.NODE_FENCED, null, 0, 0, node));
                    return;
                  }
                  admit(m.body(), down, true);
                });
    return Future.all(local.completion(), remote.completion()).mapEmpty();
  }

  public String localAddress() {
    return Addresses.local(selfId, loop);
  }

  /** Stops taking requests from other nodes (they then send theirs elsewhere). */
  public Future<Void> stopRemote() {
    return remote.isRegistered() ? remote.unregister() : Future.succeededFuture();
  }

  /** Chunks of {@link io.httpsproxy.protocol.StreamChannel#CHUNK} that fit streamWindowBytes. */
  public static int window(ProxyConfig config) {
    return (int)
        Math.max(
            1,
            Math.min(
                1024, config.streamWindowBytes() / io.httpsproxy.protocol.StreamChannel.CHUNK));
  }

  private void admit(ProxyRequest req, Downstream down, boolean remote) {
    if (down.gone()) {
      // Its client left on the way here: nothing is queued or started for it.
      stats.abandoned();
      down.fail(ProxyReply.failed(FailureCode.CLIENT_GONE, null, 0, 0, node));
      return;
    }
    Admission.Ticket ticket =
        new Admission.Ticket() {
          @Override
          public Context context() {
            return context;
          }

          @Override
          public long acceptedAtMs() {
            return req.acceptedAtMs();
          }

          @Override
          public long queueDeadlineMs() {
            return req.queueDeadlineMs();
          }

          @Override
          public void start(Admission.Permit permit, long queueMs) {
            if (remote && fence.refusesRemote(req.acceptedAtMs())) {
              // Queued before a freeze: its sender has answered or re-sent it since.
              permit.release();
              fence.countFencedRemote();
              down.fail(ProxyReply.failed(FailureCode.NODE_FENCED, null, queueMs, 0, node));
              return;
            }
            long holdMs = fence.holdMs();
            if (holdMs > 0) {
              // Queued before a freeze: its client's close may not be read yet.
              fence.countHeldLocal();
              vertx.setTimer(holdMs, id -> run(permit, queueMs));
              return;
            }
            run(permit, queueMs);
          }

          private void run(Admission.Permit permit, long queueMs) {
            stats.recordQueueWait(queueMs);
            new UpstreamExchange(
                    vertx,
                    client,
                    resolver,
                    UpstreamSettings.of(settings.config(), node),
                    req,
                    down,
                    permit,
                    queueMs,
                    stats)
                .start();
          }

          @Override
          public void reject(FailureCode code, long queueMs) {
            if (code != FailureCode.QUEUE_FULL) {
              // It waited (in the queue or on the event bus) before being refused.
              stats.recordQueueWait(queueMs);
            }
            if (code == FailureCode.CLIENT_GONE) {
              stats.abandoned();
            }
            down.fail(ProxyReply.failed(code, null, queueMs, 0, node));
          }
        };
    // A queued request whose client leaves is withdrawn at once; once started, the exchange's own
    // gone action cancels the upstream call and this one finds nothing queued.
    down.onGone(() -> admission.withdraw(ticket));
    admission.offer(ticket);
  }

  /** TLS trust is read once, at start-up (caFile needs a restart). */
  private HttpClientOptions clientOptions(ProxyConfig config) throws Exception {
    HttpClientOptions options =
        new HttpClientOptions()
            .setVerifyHost(true)
            .setKeepAlive(true)
            .setDecompressionSupported(false)
            .setMaxHeaderSize(64 * 1024)
            .setTcpNoDelay(true);
    if (config.socketBufferBytes() > 0) {
      options
          .setSendBufferSize(config.socketBufferBytes())
          .setReceiveBufferSize(config.socketBufferBytes());
    }
    options.setTrustOptions(TrustStores.upstream(config.hasCaFile() ? config.caFile() : null));
    engines.applyTo(options);
    return options;
  }

  /**
   * Upstream connections per host on this loop. A call holds a worker only until its response head;
   * the body that follows holds its connection, and there is at most one exchange per client
   * connection, so maxConnections (at start-up) bounds what a host can need.
   */
  private PoolOptions poolOptions() {
    int max = Math.max(settings.config().workers(), settings.config().maxConnections());
    return new PoolOptions().setHttp1MaxSize(max).setMaxWaitQueueSize(max);
  }
}
