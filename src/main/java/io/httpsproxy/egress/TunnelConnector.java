package io.httpsproxy.egress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.security.Target;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;

/**
 * Opens the upstream side of a CONNECT tunnel: the destination goes through the same {@link
 * DestinationResolver} gate as every upstream call (resolved once, every address checked), and the
 * TCP connection goes to the checked address. Failures come back as ProxyExceptions (403, 502).
 */
public final class TunnelConnector {
  private final NetClient client;
  private final DestinationResolver resolver;

  public TunnelConnector(Vertx vertx, ProxyConfig config, DestinationResolver resolver) {
    this.resolver = resolver;
    this.client =
        vertx.createNetClient(
            new NetClientOptions()
                .setConnectTimeout(
                    (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .setIdleTimeout(
                    (int) Math.min(Integer.MAX_VALUE, config.tunnelIdleTimeout().toMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setTcpNoDelay(true));
  }

  public Future<NetSocket> connect(Target target) {
    return resolver
        .resolve(target.host(), target.port())
        .compose(client::connect)
        .recover(t -> Future.failedFuture(FailureClassifier.classify(t)));
  }

  public Future<Void> close() {
    return client.close();
  }
}
