package io.httpsproxy.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;

/**
 * The framework's ceiling for bench/ab (not a proxy anyone should run): the least a Vert.x 5
 * forward proxy can do per absolute-form request. One HTTP server and one pooled HTTPS client per
 * event loop, the request answered on the loop that received it: no event bus, queue, policy,
 * header hygiene, metrics or access log. Same JVM, Vert.x, Netty and TLS engine as https-proxy, so
 * https-proxy's distance to it is what the proxy's own features cost, and its distance to nginx
 * is what the framework costs.
 *
 * <p>Takes the flags bench/ab passes to every build ({@code --port N --ca-file F [--tls-engine
 * openssl|jdk]}; others ignored) and prints "listening on" like the proxy.
 */
public final class BareForwarder {
  private BareForwarder() {}

  public static void main(String[] args) {
    int port = 8888;
    String caFile = null;
    String tls = "openssl";
    for (int i = 0; i + 1 < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--ca-file" -> caFile = args[++i];
        case "--tls-engine" -> tls = args[++i];
        default -> {}
      }
    }
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    HttpClientOptions client =
        new HttpClientOptions().setKeepAlive(true).setVerifyHost(true).setMaxHeaderSize(65536);
    if (caFile != null) {
      client.setTrustOptions(new PemTrustOptions().addCertPath(caFile));
    }
    if (tls.equals("openssl")) {
      client.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    int listen = port;
    vertx
        .deployVerticle(
            () -> new Loop(client, listen), new DeploymentOptions().setInstances(loops))
        .await();
    System.out.println("bare forwarder listening on 127.0.0.1:" + port + " (tls " + tls + ")");
  }

  static final class Loop extends VerticleBase {
    private final HttpClientOptions clientOptions;
    private final int port;
    private HttpClient client;

    Loop(HttpClientOptions clientOptions, int port) {
      this.clientOptions = clientOptions;
      this.port = port;
    }

    @Override
    public Future<?> start() {
      client =
          vertx.createHttpClient(
              new HttpClientOptions(clientOptions), new PoolOptions().setHttp1MaxSize(1024));
      return vertx
          .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .requestHandler(this::forward)
          .listen();
    }

    private void forward(HttpServerRequest req) {
      URI target = URI.create(req.uri());
      boolean https = "https".equals(target.getScheme());
      RequestOptions options =
          new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setHost(target.getHost())
              .setPort(target.getPort() > 0 ? target.getPort() : https ? 443 : 80)
              .setSsl(https)
              .setURI(target.getRawPath());
      client
          .request(options)
          .compose(r -> r.send().compose(HttpClientResponse::body))
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  req.response().end(ar.result());
                } else {
                  req.response().setStatusCode(502).end(String.valueOf(ar.cause()));
                }
              });
    }
  }
}
