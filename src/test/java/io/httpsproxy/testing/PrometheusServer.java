package io.httpsproxy.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian package {@code prometheus}) on loopback, scraping one target's {@code
 * /metrics} every second, with its data in a temporary directory. Its configuration has nothing but
 * that scrape job (no alerting, no remote write), so it connects to nothing else.
 */
public final class PrometheusServer implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/prometheus");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final Path dir;
  private final int port;
  private final Vertx vertx = Vertx.vertx();
  private final HttpClientAgent http = vertx.createHttpClient();

  private PrometheusServer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** Starts Prometheus scraping {@code 127.0.0.1:targetPort/metrics}, and waits until ready. */
  public static PrometheusServer start(int targetPort) throws Exception {
    Path dir = Files.createTempDirectory("prometheus");
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "global:",
            "  scrape_interval: 1s",
            "  evaluation_interval: 1s",
            "scrape_configs:",
            "  - job_name: https-proxy",
            "    metrics_path: /metrics",
            "    static_configs:",
            "      - targets: [\"127.0.0.1:" + targetPort + "\"]",
            ""));
    int port = freeLoopbackPort();
    Process p =
        new ProcessBuilder(
                BINARY.toString(),
                "--config.file=" + config,
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, dir, port);
    try {
      server.awaitReady();
      return server;
    } catch (Exception | AssertionError e) {
      server.close();
      throw e;
    }
  }

  /** A port that was free a moment ago: Prometheus cannot listen on port 0 and report it back. */
  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("prometheus exited: " + log());
      }
      try {
        if (get("/-/ready").statusCode() == 200) {
          return;
        }
      } catch (Exception notYet) {
        // Not listening yet: await() rethrows the connect failure as it is, a checked exception.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("prometheus not ready within " + START_TIMEOUT + ": " + log());
  }

  /**
   * The answer of {@code /api/v1/query} for an instant query at the current time: {@code {"status":
   * "success", "data": {"result": [...]}}} or {@code {"status": "error", "error": ...}}.
   */
  public JsonObject query(String promql) {
    return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
        .body()
        .toJsonObject();
  }

  private record Answer(int statusCode, io.vertx.core.buffer.Buffer body) {}

  private Answer get(String uri) {
    return http.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
        .compose(req -> req.send().compose(r -> r.body().map(b -> new Answer(r.statusCode(), b))))
        .timeout(5, TimeUnit.SECONDS)
        .await();
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    try {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      vertx.close().await();
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
