package io.httpsproxy.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.security.PasswordHash;
import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.httpsproxy.testing.ProxyClient.Resp;
import io.httpsproxy.testing.ProxyFixture;
import io.httpsproxy.testing.ProxyHarness;
import io.httpsproxy.testing.RawHttp;
import io.httpsproxy.testing.TestCa;
import io.httpsproxy.testing.TestDns;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Reload without restart, against a real node started from a config file the way {@code main}
 * starts one: the file is rewritten, {@code POST /admin/reload} applies it, and real requests show
 * the effect, including requests that were running or queued while the reload happened.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReloadTest {
  private static TestCa ca;
  private static TestDns dns;
  private static HttpsUpstream upstream;
  private static Vertx clientVertx;

  private Path dir;
  private Path file;
  private ProxyHarness proxy;

  @BeforeAll
  static void upstream() throws Exception {
    ca = TestCa.create("reload-test-ca");
    dns = new TestDns().add("good.test", "127.0.0.1").add("new.test", "127.0.0.1");
    upstream =
        HttpsUpstream.https(
            ca.issue(
                "upstream",
                List.of("localhost", "good.test", "new.test"),
                List.of("127.0.0.1"),
                Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(7))));
    clientVertx = Vertx.vertx();
  }

  @AfterAll
  static void stopAll() {
    upstream.close();
    dns.close();
    clientVertx.close().await();
  }

  @BeforeEach
  void files() throws IOException {
    dir = Files.createTempDirectory("reload-test");
    file = dir.resolve("proxy.json");
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  /** The test's config: only good.test is open (new.test and loopback by address are refused). */
  private static JsonObject base() {
    return ProxyFixture.baseConfig(ca, dns)
        .put("allowDestinations", new JsonArray().add("good.test"))
        .put("workers", 8)
        .put("queueSize", 100);
  }

  private void write(JsonObject config) throws IOException {
    Files.writeString(file, config.encodePrettily());
  }

  private void start(JsonObject config, String... flags) throws IOException {
    write(config);
    proxy = ProxyHarness.fromFile(file, flags);
  }

  private static String url(String host, String path) {
    return "https://" + host + ":" + upstream.port() + path;
  }

  private Resp reload() {
    return proxy.admin().local(HttpMethod.POST, "/admin/reload", null).await();
  }

  private JsonObject stats() {
    return proxy.admin().local(HttpMethod.GET, "/stats", null).await().json();
  }

  @Test
  void allowListAndQueueSizeChangeUnderLoadWithoutAFailedRequest() throws Exception {
    start(base());
    assertEquals(403, proxy.client().get(url("new.test", "/echo")).await().status());

    Map<Integer, Integer> seen;
    Resp reloaded;
    try (SteadyLoad load = new SteadyLoad(proxy.client(), url("good.test", "/echo"), 8)) {
      load.awaitAtLeast(50);
      write(
          base()
              .put("allowDestinations", new JsonArray().add("good.test").add("new.test"))
              .put("queueSize", 20));
      reloaded = reload();
      int before = load.total();
      load.awaitAtLeast(before + 50);
      seen = load.finish();
    }

    assertEquals(200, reloaded.status(), reloaded.body().toString());
    JsonObject r = reloaded.json();
    assertEquals("applied", r.getString("status"));
    assertEquals(
        new JsonArray().add("queueSize").add("allowDestinations"), r.getJsonArray("applied"));
    assertEquals(2, r.getInteger("configVersion"));
    assertEquals(Map.of(200, seen.get(200)), seen, "every request under load succeeded");
    assertEquals(200, proxy.client().get(url("new.test", "/echo")).await().status());
    JsonObject stats = stats();
    assertEquals(2, stats.getJsonObject("config").getInteger("version"));
    assertEquals(
        r.getString("fingerprint"), stats.getJsonObject("config").getString("fingerprint"));
    assertEquals(20, stats.getJsonObject("limits").getInteger("queueSize"));
  }

  @Test
  void queuedRequestsSurviveASmallerQueueAndMoreWorkersStartThemSooner() throws Exception {
    start(base().put("workers", 2));
    List<Future<Resp>> first = send(8, url("good.test", "/delay/700"));
    awaitQueued(6);

    write(base().put("workers", 4).put("queueSize", 1));
    Resp reloaded = reload();

    assertEquals(200, reloaded.status(), reloaded.body().toString());
    assertEquals(
        new JsonArray().add("queueSize").add("workers"), reloaded.json().getJsonArray("applied"));
    assertEquals(Map.of(200, 8), statuses(first), "nothing queued before the reload is lost");

    // Now 4 run at once and 1 may wait: of 8 sent together, 3 are refused at once.
    List<Future<Resp>> second = send(8, url("good.test", "/delay/700"));
    Map<Integer, Integer> counts = statuses(second);
    assertEquals(Map.of(200, 5, 503, 3), counts);
    long queueFull =
        second.stream()
            .map(Future::result)
            .filter(x -> "QUEUE_FULL".equals(x.header("X-Proxy-Error")))
            .count();
    assertEquals(3, queueFull);
  }

  @Test
  void anInvalidFileChangesNothing() throws Exception {
    start(base());

    Files.writeString(file, "{ \"queueSize\": 5, ");
    Resp broken = reload();
    write(base().put("queueSize", -1).put("allowDestinations", new JsonArray().add("new.test")));
    Resp invalid = reload();

    assertEquals(400, broken.status());
    assertEquals("invalid", broken.json().getString("status"));
    assertTrue(
        broken.json().getString("error").contains("is not valid JSON"), broken.json().encode());
    assertEquals(400, invalid.status());
    assertTrue(
        invalid.json().getString("error").startsWith("queueSize: -1 (expected: >= 1"),
        invalid.json().encode());
    assertEquals(1, invalid.json().getInteger("configVersion"));
    assertEquals(100, stats().getJsonObject("limits").getInteger("queueSize"));
    assertEquals(403, proxy.client().get(url("new.test", "/echo")).await().status());
    assertEquals(200, proxy.client().get(url("good.test", "/echo")).await().status());
  }

  @Test
  void aSettingThatNeedsARestartRefusesTheWholeReloadAndNamesIt() throws Exception {
    start(base());

    write(base().put("port", 18999).put("eventLoops", 1).put("queueSize", 5));
    Resp r = reload();

    assertEquals(409, r.status());
    assertEquals("needs-restart", r.json().getString("status"));
    String error = r.json().getString("error");
    assertTrue(error.contains("port: 0 -> 18999"), error);
    assertTrue(error.contains("eventLoops: 2 -> 1"), error);
    assertEquals(100, stats().getJsonObject("limits").getInteger("queueSize"), "all or nothing");
  }

  @Test
  void aFlagStillWinsOverTheFileOnReload() throws Exception {
    start(base(), "--workers", "3");

    write(base().put("workers", 9).put("requestTimeout", 7.0));
    Resp r = reload();

    assertEquals(200, r.status());
    assertEquals(new JsonArray().add("requestTimeout"), r.json().getJsonArray("applied"));
    assertEquals(
        new JsonArray().add("workers: the file's value is overridden by --workers"),
        r.json().getJsonArray("shadowed"));
    assertEquals(3, stats().getJsonObject("limits").getInteger("workers"));
    assertEquals(7000, stats().getJsonObject("limits").getInteger("requestTimeoutMs"));
  }

  @Test
  void nothingChangedKeepsTheVersion() throws Exception {
    start(base());

    Resp r = reload();

    assertEquals(200, r.status());
    assertEquals("unchanged", r.json().getString("status"));
    assertEquals(1, r.json().getInteger("configVersion"));
    assertNull(r.json().getValue("shadowed"), "nothing shadowed, no field");
  }

  @Test
  void timeoutsAndTheRateLimitApplyToTheNextRequest() throws Exception {
    start(base());
    assertEquals(200, proxy.client().get(url("good.test", "/delay/600")).await().status());

    write(base().put("requestTimeout", 0.2).put("rateLimit", 1).put("rateBurst", 2));
    assertEquals(200, reload().status());

    Resp slow = proxy.client().get(url("good.test", "/delay/600")).await();
    Resp second = proxy.client().get(url("good.test", "/echo")).await();
    Resp third = proxy.client().get(url("good.test", "/echo")).await();
    assertEquals(504, slow.status());
    assertTrue(slow.elapsedMs() < 550, "answered at the new deadline: " + slow.elapsedMs() + " ms");
    assertEquals(200, second.status());
    assertEquals(429, third.status());
  }

  @Test
  void credentialsChangeWithoutARestart() throws Exception {
    Path creds = dir.resolve("credentials");
    String oldToken = PasswordHash.newToken();
    String newToken = PasswordHash.newToken();
    CredentialsFile.write(creds, List.of(PasswordHash.tokenEntry("ci", oldToken)));
    start(base().put("credentialsFile", creds.toString()));
    assertEquals(200, fetchWith(oldToken).status());

    // The same path, new content: reloaded all the same.
    CredentialsFile.write(creds, List.of(PasswordHash.tokenEntry("ci2", newToken)));
    Resp r = reload();

    assertEquals(200, r.status());
    assertEquals(new JsonArray().add("credentialsFile"), r.json().getJsonArray("applied"));
    assertEquals(401, fetchWith(oldToken).status());
    assertEquals(200, fetchWith(newToken).status());
  }

  @Test
  void aClientNoLongerAllowedIsRefusedOnItsOpenConnection() throws Exception {
    start(base().put("allowClients", new JsonArray().add("127.0.0.1/32").add("127.0.0.2/32")));
    String request =
        "GET "
            + url("good.test", "/echo")
            + " HTTP/1.1\r\nHost: good.test:"
            + upstream.port()
            + "\r\n\r\n";
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress("127.0.0.2", 0));
      s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 2_000);
      s.setSoTimeout(5_000);
      assertEquals(200, RawHttp.status(RawHttp.exchange(s, request)));

      write(base().put("allowClients", new JsonArray().add("127.0.0.1/32")));
      assertEquals(200, reload().status());

      assertEquals(
          403, RawHttp.status(RawHttp.exchange(s, request)), "the same connection, checked again");
      assertEquals(-1, s.getInputStream().read(), "and closed");
    }
  }

  @Test
  void theLogLevelChanges() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    try {
      start(base().put("logLevel", "INFO"));
      assertEquals(Level.INFO, root.getLevel());

      write(base().put("logLevel", "warn"));
      assertEquals(200, reload().status());

      assertEquals(Level.WARN, root.getLevel());
    } finally {
      root.setLevel(before);
    }
  }

  // ---- helpers ----

  private Resp fetchWith(String token) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + token);
    JsonObject body = new JsonObject().put("url", url("good.test", "/echo"));
    return proxy.client().local(HttpMethod.POST, "/api/v1/fetch", h, body.toBuffer()).await();
  }

  private List<Future<Resp>> send(int n, String url) {
    List<Future<Resp>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(proxy.client().get(url));
    }
    return out;
  }

  private static Map<Integer, Integer> statuses(List<Future<Resp>> all) {
    Future.join(new ArrayList<>(all)).await();
    Map<Integer, Integer> counts = new TreeMap<>();
    all.forEach(f -> counts.merge(f.result().status(), 1, Integer::sum));
    return counts;
  }

  private void awaitQueued(int n) throws InterruptedException {
    long until = System.currentTimeMillis() + 5_000;
    while (proxy.node().stats().queued().get() < n && System.currentTimeMillis() < until) {
      Thread.sleep(10);
    }
    assertEquals(n, proxy.node().stats().queued().get(), "requests waiting for a worker");
  }

  /** {@code concurrency} requests always in flight until closed; counts statuses and errors. */
  private static final class SteadyLoad implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final CountDownLatch stopped;
    private final ProxyClient client;
    private final String url;

    SteadyLoad(ProxyClient client, String url, int concurrency) {
      this.client = client;
      this.url = url;
      this.stopped = new CountDownLatch(concurrency);
      for (int i = 0; i < concurrency; i++) {
        next();
      }
    }

    private void next() {
      if (!running.get()) {
        stopped.countDown();
        return;
      }
      client
          .get(url)
          .onComplete(
              ar -> {
                int status = ar.succeeded() ? ar.result().status() : -1;
                statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                total.incrementAndGet();
                next();
              });
    }

    int total() {
      return total.get();
    }

    void awaitAtLeast(int n) throws InterruptedException {
      long until = System.currentTimeMillis() + 20_000;
      while (total.get() < n && System.currentTimeMillis() < until) {
        Thread.sleep(5);
      }
      assertTrue(total.get() >= n, "load made " + total.get() + " requests, wanted " + n);
    }

    /** Stops, waits for the requests in flight, and gives the statuses seen (-1: no response). */
    Map<Integer, Integer> finish() throws InterruptedException {
      close();
      Map<Integer, Integer> out = new TreeMap<>();
      statuses.forEach((k, v) -> out.put(k, v.get()));
      return out;
    }

    @Override
    public void close() throws InterruptedException {
      if (running.getAndSet(false)) {
        assertTrue(stopped.await(20, TimeUnit.SECONDS), "load did not stop");
      }
    }
  }
}
