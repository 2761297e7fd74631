package io.httpsproxy.testing;

import io.httpsproxy.ProxyNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** A running proxy node plus a client for it, closed together. */
public final class ProxyHarness implements AutoCloseable {
  private final ProxyNode node;
  private final Vertx clientVertx;
  private final ProxyClient client;

  private ProxyHarness(ProxyNode node) {
    this.node = node;
    this.clientVertx = Vertx.vertx();
    this.client = new ProxyClient(clientVertx, node.port());
  }

  public static ProxyHarness start(JsonObject config) {
    return new ProxyHarness(ProxyFixture.start(config));
  }

  /** A node started from a config file, which a reload reads again (see ProxyFixture). */
  public static ProxyHarness fromFile(java.nio.file.Path file, String... flags) {
    return new ProxyHarness(ProxyFixture.startFromFile(file, flags));
  }

  public ProxyNode node() {
    return node;
  }

  public ProxyClient client() {
    return client;
  }

  public int port() {
    return node.port();
  }

  @Override
  public void close() {
    client.close();
    clientVertx.close().await();
    node.shutdown(Duration.ZERO).await();
  }
}
