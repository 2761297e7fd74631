package io.httpsproxy.egress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.security.Target;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens the upstream side of a CONNECT tunnel: the destination goes through the same {@link
 * DestinationResolver} gate as every upstream call (resolved once, every address checked), and the
 * TCP connection goes to the checked address. Failures come back as ProxyExceptions (403, 502).
 */
public final class TunnelConnector {
  private final NetClient client;
  private final DestinationResolver resolver;
  private final Supplier<ProxyConfig> config;

  /**
   * {@code config} is read at each connect (connectTimeout); the tunnel replaces the idle timeout
   * set here with tunnelIdleTimeout as it is when the tunnel opens.
   */
  public TunnelConnector(Vertx vertx, Supplier<ProxyConfig> config, DestinationResolver resolver) {
    this.resolver = resolver;
    this.config = config;
    NetClientOptions options =
        new NetClientOptions()
            .setIdleTimeout(
                (int) Math.min(Integer.MAX_VALUE, config.get().tunnelIdleTimeout().toMillis()))
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
            .setTcpNoDelay(true);
    int buffer = config.get().socketBufferBytes();
    if (buffer > 0) {
      options.setSendBufferSize(buffer).setReceiveBufferSize(buffer);
    }
    this.client = vertx.createNetClient(options);
  }

  public Future<NetSocket> connect(Target target) {
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, config.get().connectTimeout().toMillis());
    return resolver
        .resolve(target.host(), target.port())
        .compose(
            address ->
                client.connect(
                    new ConnectOptions().setRemoteAddress(address).setTimeout(timeoutMs)))
        .recover(t -> Future.failedFuture(FailureClassifier.classify(t)));
  }

  public Future<Void> close() {
    return client.close();
  }
}
