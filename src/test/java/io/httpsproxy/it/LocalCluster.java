package io.httpsproxy.it;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster of real JVMs started from the built jar on 127.0.0.1, each with a fixed Hazelcast port
 * so that a node can be stopped and started again as the same member, and a fixed name ({@link
 * #name}: node1, node2, ...; the default, the host name, would be the same for all of them).
 */
final class LocalCluster implements AutoCloseable {
  private final List<String> extraArgs;
  private final List<Integer> clusterPorts = new ArrayList<>();
  private final String members;
  private final JarProcess[] nodes;
  private final int[] ports;
  private final int[] adminPorts;
  private final Path[] dirs;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  LocalCluster(int size, String... extraArgs) throws IOException {
    this.extraArgs = Arrays.asList(extraArgs);
    for (int i = 0; i < size; i++) {
      clusterPorts.add(freePort());
    }
    this.members = String.join(",", clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    this.nodes = new JarProcess[size];
    this.ports = new int[size];
    this.adminPorts = new int[size];
    this.dirs = new Path[size];
  }

  /** Starts node {@code i} and returns the milliseconds from process start to listening. */
  long start(int i) {
    Path dir = JarProcess.workDir();
    dirs[i] = dir;
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "--node-name",
            name(i),
            "--cluster",
            "--cluster-port",
            String.valueOf(clusterPorts.get(i)),
            "--cluster-members",
            members));
    args.addAll(extraArgs);
    long t0 = System.nanoTime();
    nodes[i] =
        JarProcess.start(dir, Map.of(), JarProcess.nodeArgs(dir, args.toArray(String[]::new)));
    ports[i] = nodes[i].awaitListening(Duration.ofSeconds(60));
    adminPorts[i] = nodes[i].awaitAdminPort(Duration.ofSeconds(5));
    return (System.nanoTime() - t0) / 1_000_000;
  }

  void startAll() {
    for (int i = 0; i < nodes.length; i++) {
      start(i);
    }
  }

  JarProcess node(int i) {
    return nodes[i];
  }

  /** Node {@code i}'s nodeName: the same after a restart. */
  static String name(int i) {
    return "node" + (i + 1);
  }

  /**
   * Starts one more JVM called {@code nodeName} that joins this cluster (on a Hazelcast port of its
   * own), without waiting for it: for tests of what a joiner does.
   */
  JarProcess startJoiner(String nodeName) throws IOException {
    int port = freePort();
    Path dir = JarProcess.workDir();
    return JarProcess.start(
        dir,
        Map.of(),
        JarProcess.nodeArgs(
            dir,
            "--node-name",
            nodeName,
            "--cluster",
            "--cluster-port",
            String.valueOf(port),
            "--cluster-members",
            members + ",127.0.0.1:" + port));
  }

  /** Node {@code i}'s working directory: its config file is {@link JarProcess#EMPTY_CONFIG}. */
  Path dir(int i) {
    return dirs[i];
  }

  /** Replaces node {@code i}'s config file (read again by a reload). */
  void writeConfig(int i, String json) throws IOException {
    java.nio.file.Files.writeString(dirs[i].resolve(JarProcess.EMPTY_CONFIG), json);
  }

  /** POST {@code path} on node {@code i}'s admin port. */
  HttpResponse<String> post(int i, String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPorts[i] + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  int port(int i) {
    return ports[i];
  }

  /** Node {@code i}'s admin port: /stats, /metrics, /health, /ready, /dashboard, /admin/*. */
  int adminPort(int i) {
    return adminPorts[i];
  }

  /** A JSON API call through node {@code via} to {@code url}. */
  CompletableFuture<HttpResponse<String>> fetch(int via, String method, String url) {
    String body = new JsonObject().put("url", url).put("method", method).encode();
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[via] + "/api/v1/fetch"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** GET /stats?scope=cluster on node {@code i}'s admin port. */
  JsonObject clusterStats(int i) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPorts[i] + "/stats?scope=cluster"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body());
  }

  /** GET /metrics on node {@code i}'s admin port. */
  String metrics(int i) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPorts[i] + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The number of members node {@code i} sees, or -1 if it does not answer. */
  int members(int i) {
    try {
      return clusterStats(i).getInteger("nodeCount");
    } catch (IOException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  void awaitMembers(int i, int expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = -1;
    while (System.nanoTime() < deadline) {
      seen = members(i);
      if (seen == expected) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "node " + i + " saw " + seen + " members, not " + expected + " within " + timeout);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    for (JarProcess p : nodes) {
      if (p != null) {
        p.close();
      }
    }
  }
}
