package io.httpsproxy.client;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
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

  @Parameters(
      index = "2",
      arity = "0..1",
      paramLabel = "server",
      description = "proxy host; default: https_proxy / http_proxy, else 127.0.0.1")
  String server;

  @Parameters(index = "3", arity = "0..1", paramLabel = "port", description = "default 8888")
  Integer port;

  @Option(
      names = {"-u", "--user"},
      paramLabel = "NAME[:PASSWORD]",
      description =
          "authenticate to the proxy (Basic); without :PASSWORD it is asked for on the terminal,"
              + " else read from the first line of stdin")
  String user;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "authenticate to the JSON API with a bearer token (see `user token`)")
  String token;

  /** The environment the proxy variables are read from (a test sets its own). */
  Map<String, String> env = System.getenv();

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
      names = "--proxy-tls",
      description =
          "TLS to the proxy (its tlsPort); implied by --proxy-ca, --proxy-cert, https_proxy=https://...")
  boolean proxyTls;

  @Option(
      names = "--proxy-ca",
      paramLabel = "FILE",
      description = "PEM CA that signed the proxy's certificate (default: the JVM's CAs)")
  Path proxyCa;

  @Option(
      names = "--proxy-cert",
      paramLabel = "FILE",
      description = "PEM client certificate to present to the proxy (with --proxy-key)")
  Path proxyCert;

  @Option(names = "--proxy-key", paramLabel = "FILE", description = "PEM key of --proxy-cert")
  Path proxyKey;

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
    ProxyEndpoint proxy;
    String[] auth;
    ProxyTls tls;
    try {
      proxy = ProxyEndpoint.resolve(server, port, url, env);
      auth = authorization(proxy);
      boolean on = proxyTls || proxy.tls() || proxyCa != null || proxyCert != null;
      tls = new ProxyTls(on, proxyCa, proxyCert, proxyKey);
    } catch (IllegalArgumentException e) {
      err.println("client: " + e.getMessage());
      return 2;
    }
    Buffer body =
        dataFile != null
            ? Buffer.buffer(Files.readAllBytes(dataFile))
            : data == null ? null : Buffer.buffer(data);
    Vertx vertx = Vertx.vertx();
    try {
      ProxyCall call =
          new ProxyCall(
              vertx,
              tls.clientOptions(),
              proxy.host(),
              proxy.port(),
              (long) (timeoutSeconds * 1000),
              auth);
      ProxyCall.Result r =
          forward
              ? call.forward(method, url, parsedHeaders, body)
              : call.api(fetchJson(parsedHeaders, body, dataFile != null));
      return r.print(out, err);
    } finally {
      vertx.close().await();
    }
  }

  /**
   * The header that authenticates to the proxy, or null: Proxy-Authorization for a forwarded
   * request (Basic only, as the proxy takes it), Authorization for the JSON API (Basic or Bearer).
   * {@code -H} headers are the upstream's and never authenticate to the proxy.
   */
  private String[] authorization(ProxyEndpoint proxy) throws IOException {
    if (user != null && token != null) {
      throw new IllegalArgumentException("--user and --token: give one of them");
    }
    if (token != null) {
      if (forward) {
        throw new IllegalArgumentException(
            "--token authenticates to the JSON API; a --forward request takes --user");
      }
      return new String[] {"Authorization", "Bearer " + token.trim()};
    }
    String credentials = user != null ? withPassword(user) : proxy.credentials();
    if (credentials == null) {
      return null;
    }
    String basic =
        "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    return new String[] {forward ? "Proxy-Authorization" : "Authorization", basic};
  }

  private static String withPassword(String user) throws IOException {
    if (user.indexOf(':') > 0) {
      return user;
    }
    if (user.isEmpty() || user.startsWith(":")) {
      throw new IllegalArgumentException("--user needs a name (NAME[:PASSWORD])");
    }
    Console console = System.console();
    String password;
    if (console != null) {
      char[] typed = console.readPassword("proxy password for %s: ", user);
      password = typed == null ? null : new String(typed);
    } else {
      password =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
    if (password == null) {
      throw new IllegalArgumentException(
          "no password for "
              + user
              + ": give --user "
              + user
              + ":PASSWORD, or type it on a terminal or as the first line of stdin");
    }
    return user + ":" + password;
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
