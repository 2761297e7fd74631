package io.httpsproxy.cluster;

import io.httpsproxy.config.ClusterConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Starts a clustered Vert.x as member {@code nodeName}: joins, checks that no older member has the
 * name ({@link NameGuard}), and gives the Vert.x with its {@link NodeDirectory}. A refused name
 * leaves the cluster again before anything is deployed.
 */
public final class ClusterJoin {
  /** A joined member: its Vert.x and the directory of the members. */
  public record Joined(Vertx vertx, NodeDirectory nodes) {}

  private ClusterJoin() {}

  /** {@code options} is the one {@code builder} was made with: the event bus is set on it here. */
  public static Future<Joined> join(
      VertxBuilder builder,
      VertxOptions options,
      ClusterConfig config,
      String nodeName,
      NodeFence fence) {
    HazelcastClusterManager manager = ClusterSetup.clusterManager(config, nodeName);
    options.setEventBusOptions(ClusterSetup.eventBus(config));
    Promise<Joined> joined = Promise.promise();
    builder
        .withClusterManager(manager)
        .buildClustered()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                fence.stop();
                joined.fail(ar.cause());
                return;
              }
              Vertx vertx = ar.result();
              NameGuard.unique(vertx, manager, nodeName)
                  .onComplete(
                      named -> {
                        if (named.failed()) {
                          fence.stop();
                          joined.fail(named.cause());
                          vertx.close();
                          return;
                        }
                        joined.complete(
                            new Joined(vertx, NodeDirectory.clustered(manager, nodeName, fence)));
                      });
            });
    return joined.future();
  }
}
