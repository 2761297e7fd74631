package io.httpsproxy.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

/**
 * The slow upstream of bench/scenarios (inflight, overload, memory): answers every request with
 * "slow" after {@code --delay} seconds, over HTTP or, with {@code --cert}/{@code --key}, HTTPS.
 * Vert.x on every core, so that accepting and answering thousands of connections at once costs
 * the rig little (the Python asyncio one it replaces is single-threaded and, with 9,000 calls
 * arriving together, added its own queueing to the proxy's latency).
 *
 * <pre>java -cp target/bench-classes:target/https-proxy.jar io.httpsproxy.bench.SlowUpstream
 *     --port N [--delay 2.0] [--cert PEM --key PEM]</pre>
 */
public final class SlowUpstream {
  private SlowUpstream() {}

  public static void main(String[] args) {
    int port = 0;
    double delay = 2.0;
    String cert = null;
    String key = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--delay" -> delay = Double.parseDouble(args[i + 1]);
        case "--cert" -> cert = args[i + 1];
        case "--key" -> key = args[i + 1];
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    HttpServerOptions options =
        new HttpServerOptions().setHost("127.0.0.1").setPort(port).setAcceptBacklog(65535);
    if (cert != null) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(key));
    }
    long delayMs = Math.round(delay * 1000);
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    vertx
        .deployVerticle(
            () -> new Loop(options, delayMs), new DeploymentOptions().setInstances(loops))
        .await();
    System.out.println(
        "slow upstream on 127.0.0.1:" + port + ", delay " + delay + "s" + (cert != null ? ", TLS" : ""));
  }

  static final class Loop extends VerticleBase {
    private final HttpServerOptions options;
    private final long delayMs;

    Loop(HttpServerOptions options, long delayMs) {
      this.options = options;
      this.delayMs = delayMs;
    }

    @Override
    public Future<?> start() {
      return vertx
          .createHttpServer(new HttpServerOptions(options))
          .requestHandler(
              req ->
                  req.end()
                      .onSuccess(
                          v -> vertx.setTimer(delayMs, t -> req.response().end("slow"))))
          .listen();
    }
  }
}
