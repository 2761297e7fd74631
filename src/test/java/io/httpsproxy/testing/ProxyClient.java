package io.httpsproxy.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** A real HTTP client talking to the proxy: absolute-form requests and JSON API calls. */
public final class ProxyClient {
  /** A response as the client saw it. */
  public record Resp(int status, MultiMap headers, Buffer body, long elapsedMs) {
    public JsonObject json() {
      return body.toJsonObject();
    }

    public String header(String name) {
      return headers.get(name);
    }
  }

  /** No test waits forever on the proxy: past this the request fails. */
  private static final long TIMEOUT_MS = 20_000;

  private final HttpClientAgent http;
  private final int proxyPort;
  private final Context context;

  public ProxyClient(Vertx vertx, int proxyPort) {
    this(vertx, proxyPort, 50);
  }

  public ProxyClient(Vertx vertx, int proxyPort, int maxConnections) {
    this(vertx, proxyPort, maxConnections, null);
  }

  /** Connects from {@code localAddress} (a loopback address such as 127.0.0.2), when not null. */
  public ProxyClient(Vertx vertx, int proxyPort, int maxConnections, String localAddress) {
    this.http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true).setLocalAddress(localAddress),
            new PoolOptions().setHttp1MaxSize(maxConnections));
    this.proxyPort = proxyPort;
    this.context = vertx.getOrCreateContext();
  }

  /** Sends {@code METHOD absoluteUrl HTTP/1.1} to the proxy. */
  public Future<Resp> forward(
      HttpMethod method, String absoluteUrl, MultiMap headers, Buffer body) {
    RequestOptions o =
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(proxyPort)
            .setURI(absoluteUrl);
    if (headers != null) {
      o.setHeaders(headers);
    }
    return send(o, body);
  }

  public Future<Resp> get(String absoluteUrl) {
    return forward(HttpMethod.GET, absoluteUrl, null, null);
  }

  /** A request to one of the proxy's own routes (origin form). */
  public Future<Resp> local(HttpMethod method, String path, Buffer body) {
    return send(
        new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(proxyPort).setURI(path),
        body);
  }

  /** A request to one of the proxy's own routes, with headers (e.g. Authorization). */
  public Future<Resp> local(HttpMethod method, String path, MultiMap headers, Buffer body) {
    return send(
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(proxyPort)
            .setURI(path)
            .setHeaders(headers),
        body);
  }

  public Future<Resp> fetch(JsonObject request) {
    return local(HttpMethod.POST, "/api/v1/fetch", request.toBuffer());
  }

  public Future<Resp> fetchRaw(String body) {
    return local(HttpMethod.POST, "/api/v1/fetch", Buffer.buffer(body));
  }

  /**
   * Requests start on the client's own event loop: issued from the test thread, the 5.0.7 client
   * now and then never completes a request on a reused connection (seen once in ~500-2000).
   */
  private Future<Resp> send(RequestOptions o, Buffer body) {
    o.setTimeout(TIMEOUT_MS);
    Promise<Resp> promise = Promise.promise();
    context.runOnContext(
        v -> {
          long start = System.nanoTime();
          http.request(o)
              .compose(req -> body == null ? req.send() : req.send(body))
              .compose(
                  resp ->
                      resp.body()
                          .map(
                              b ->
                                  new Resp(
                                      resp.statusCode(),
                                      resp.headers(),
                                      b,
                                      (System.nanoTime() - start) / 1_000_000)))
              .onComplete(promise);
        });
    return promise.future();
  }

  public void close() {
    http.close();
  }
}
