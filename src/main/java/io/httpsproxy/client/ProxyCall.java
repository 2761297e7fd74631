package io.httpsproxy.client;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The client's one exchange with the proxy, blocking (the CLI runs off any event loop). */
final class ProxyCall {
  private static final String PROXY_ERROR_HEADER = "X-Proxy-Error";

  private final HttpClient http;
  private final Context context;
  private final String server;
  private final int port;
  private final long timeoutMs;

  /** Name and value of the header that authenticates to the proxy, or null. */
  private final String[] auth;

  ProxyCall(
      Vertx vertx,
      io.vertx.core.http.HttpClientOptions options,
      String server,
      int port,
      long timeoutMs,
      String[] auth) {
    this.auth = auth;
    this.http = vertx.createHttpClient(options);
    this.context = vertx.getOrCreateContext();
    this.server = server;
    this.port = port;
    this.timeoutMs = timeoutMs;
  }

  /** What came back, ready to print. */
  record Result(
      int status, List<String[]> headers, Buffer body, String proxyError, String unreachable) {
    int print(PrintStream out, PrintStream err) {
      if (unreachable != null) {
        err.println("proxy unreachable: " + unreachable);
        return ClientCommand.EXIT_UNREACHABLE;
      }
      if (proxyError != null) {
        err.println("proxy failed: HTTP " + status + " " + proxyError);
        return ClientCommand.EXIT_PROXY_FAILED;
      }
      out.println("HTTP " + status);
      for (String[] h : headers) {
        out.println(h[0] + ": " + h[1]);
      }
      out.println();
      out.write(body.getBytes(), 0, body.length());
      out.flush();
      if (status >= 400) {
        err.println("upstream failed: HTTP " + status);
        return ClientCommand.EXIT_UPSTREAM_FAILED;
      }
      return 0;
    }
  }

  Result api(JsonObject fetch) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(server)
            .setPort(port)
            .setURI("/api/v1/fetch")
            .putHeader("Content-Type", "application/json")
            .setTimeout(timeoutMs);
    if (auth != null) {
      options.putHeader(auth[0], auth[1]);
    }
    return exchange(options, fetch.toBuffer(), true);
  }

  Result forward(String method, String url, List<String[]> headers, Buffer body) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.valueOf(method))
            .setHost(server)
            .setPort(port)
            .setURI(url)
            .setTimeout(timeoutMs);
    headers.forEach(h -> options.addHeader(h[0], h[1]));
    if (auth != null) {
      options.putHeader(auth[0], auth[1]);
    }
    return exchange(options, body, false);
  }

  /** What came back before any parsing. */
  private record Raw(HttpClientResponse resp, Buffer payload) {}

  private Result exchange(RequestOptions options, Buffer body, boolean api) {
    Raw raw;
    try {
      raw = roundTrip(options, body).await();
    } catch (Exception e) {
      return new Result(
          0, List.of(), Buffer.buffer(), null, server + ":" + port + ": " + e.getMessage());
    }
    HttpClientResponse resp = raw.resp();
    Buffer payload = raw.payload();
    String proxyError = resp.getHeader(PROXY_ERROR_HEADER);
    if (proxyError != null) {
      String message = payload.length() > 0 ? messageOf(payload) : "";
      return new Result(resp.statusCode(), List.of(), payload, proxyError + ": " + message, null);
    }
    if (!api) {
      List<String[]> hs = new ArrayList<>();
      resp.headers().forEach(e -> hs.add(new String[] {e.getKey(), e.getValue()}));
      return new Result(resp.statusCode(), hs, payload, null, null);
    }
    return fromApi(payload.toJsonObject());
  }

  /**
   * The whole exchange runs on an event loop, so the body handler is in place before the body
   * arrives; only the final result is awaited on the calling thread.
   */
  private Future<Raw> roundTrip(RequestOptions options, Buffer body) {
    Promise<Raw> promise = Promise.promise();
    context.runOnContext(
        v ->
            http.request(options)
                .compose(req -> body == null ? req.send() : req.send(body))
                .compose(resp -> resp.body().map(b -> new Raw(resp, b)))
                .onComplete(promise));
    return promise.future();
  }

  private static Result fromApi(JsonObject json) {
    List<String[]> hs = new ArrayList<>();
    for (Map.Entry<String, Object> e : json.getJsonObject("headers", new JsonObject())) {
      if (e.getValue() instanceof JsonArray arr) {
        arr.forEach(v -> hs.add(new String[] {e.getKey(), String.valueOf(v)}));
      } else {
        hs.add(new String[] {e.getKey(), String.valueOf(e.getValue())});
      }
    }
    Buffer body =
        json.containsKey("bodyBase64")
            ? Buffer.buffer(Base64.getDecoder().decode(json.getString("bodyBase64")))
            : Buffer.buffer(json.getString("body", ""));
    return new Result(json.getInteger("status"), hs, body, null, null);
  }

  private static String messageOf(Buffer payload) {
    try {
      return payload.toJsonObject().getString("message", "");
    } catch (RuntimeException e) {
      return payload.toString();
    }
  }
}
