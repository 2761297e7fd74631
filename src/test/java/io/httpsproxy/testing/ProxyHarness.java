package io.httpsproxy.testing;

import io.httpsproxy.ProxyNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * A running proxy node plus a client for its proxy port and one for its admin port, closed
 * together.
 */
public final class ProxyHarness implements AutoCloseable {
  private final ProxyNode node;
  private final Vertx clientVertx;
  private final ProxyClient client;
  private final ProxyClient admin;

  private ProxyHarness(ProxyNode node) {
    this.node = node;
    this.clientVertx = Vertx.vertx();
    this.client = new ProxyClient(clientVertx, node.port());
    this.admin = node.adminPort() > 0 ? new ProxyClient(clientVertx, node.adminPort()) : null;
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

  /**
   * A client of the admin listener: {@code admin().local(GET, "/stats", null)}. The proxy port
   * answers 404 for those paths by default.
   */
  public ProxyClient admin() {
    if (admin == null) {
      throw new IllegalStateException("this node has no admin listener (adminPort -1)");
    }
    return admin;
  }

  @Override
  public void close() {
    client.close();
    if (admin != null) {
      admin.close();
    }
    clientVertx.close().await();
    node.shutdown(Duration.ZERO).await();
  }
}
