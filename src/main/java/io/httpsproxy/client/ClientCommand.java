package io.httpsproxy.client;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code client URL [METHOD] [server] [port]}: sends one request through a proxy node and prints
 * the upstream's status line, headers and body. The exit code says who failed.
 */
@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    description = "Fetch URL through an https-proxy node (JSON API by default).",
    footer = {
      "",
      "Exit codes: 0 upstream answered < 400; 3 upstream answered >= 400;",
      "            4 the proxy refused or failed (its error code is printed);",
      "            5 the proxy could not be reached; 2 bad command line."
    })
public final class ClientCommand implements Callable<Integer> {
  static final int EXIT_UPSTREAM_FAILED = 3;
  static final int EXIT_PROXY_FAILED = 4;
  static final int EXIT_UNREACHABLE = 5;

  @Parameters(index = "0", paramLabel = "URL", description = "absolute http:// or https:// URL")
  String url;

  @Parameters(index = "1", arity = "0..1", paramLabel = "METHOD", defaultValue = "GET")
  String method;

  @Parameters(index = "2", arity = "0..1", paramLabel = "server", defaultValue = "127.0.0.1")
  String server;

  @Parameters(index = "3", arity = "0..1", paramLabel = "port", defaultValue = "8888")
  int port;

  @Option(
      names = {"-H", "--header"},
      paramLabel = "'Name: value'",
      description = "request header (repeatable)")
  List<String> headers = new ArrayList<>();

  @Option(
      names = {"-d", "--data"},
      description = "request body text")
  String data;

  @Option(names = "--data-file", paramLabel = "FILE", description = "request body from a file")
  Path dataFile;

  @Option(
      names = "--forward",
      description = "send an absolute-form proxy request instead of using the JSON API")
  boolean forward;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "90",
      description = "give up waiting for the proxy after this long (default 90)")
  double timeoutSeconds;

  @Override
  public Integer call() throws IOException {
    PrintStream out = System.out;
    PrintStream err = System.err;
    List<String[]> parsedHeaders = new ArrayList<>();
    for (String h : headers) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        err.println("client: header '" + h + "' (expected: 'Name: value')");
        return 2;
      }
      parsedHeaders.add(new String[] {h.substring(0, colon).trim(), h.substring(colon + 1).trim()});
    }
    Buffer body =
        dataFile != null
            ? Buffer.buffer(Files.readAllBytes(dataFile))
            : data == null ? null : Buffer.buffer(data);
    Vertx vertx = Vertx.vertx();
    try {
      ProxyCall call = new ProxyCall(vertx, server, port, (long) (timeoutSeconds * 1000));
      ProxyCall.Result r =
          forward
              ? call.forward(method, url, parsedHeaders, body)
              : call.api(fetchJson(parsedHeaders, body, dataFile != null));
      return r.print(out, err);
    } finally {
      vertx.close().await();
    }
  }

  private JsonObject fetchJson(List<String[]> hs, Buffer body, boolean binary) {
    JsonObject json = new JsonObject().put("url", url).put("method", method);
    if (!hs.isEmpty()) {
      JsonObject h = new JsonObject();
      for (String[] kv : hs) {
        h.put(kv[0], kv[1]);
      }
      json.put("headers", h);
    }
    if (body != null) {
      if (binary) {
        json.put("bodyBase64", Base64.getEncoder().encodeToString(body.getBytes()));
      } else {
        json.put("body", body.toString());
      }
    }
    return json;
  }
}
