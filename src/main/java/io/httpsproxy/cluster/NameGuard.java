package io.httpsproxy.cluster;

import com.hazelcast.cluster.Member;
import io.httpsproxy.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two live members must not share a nodeName: their series, access-log lines and stats would merge
 * into one node's. The member that joined later refuses to start (exit 2, as for any bad setting)
 * rather than taking a suffix: a suffix would depend on join order, and the point of the name is
 * that it does not change. Members are listed in join order, so only an older member with the same
 * name counts; the older one carries on.
 *
 * <p>A node restarted quickly may find its previous self still listed (killed before it could
 * leave); Hazelcast drops such a member within {@code max.no.heartbeat.seconds} (6 s in
 * conf/cluster.xml), or at once when the new process takes the same member address, so the check
 * waits for up to {@link #WAIT} before it refuses.
 */
public final class NameGuard {
  /** Longer than conf/cluster.xml's 6 s without heartbeat, after which a dead member is dropped. */
  static final Duration WAIT = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger("https-proxy.cluster");
  private static final long POLL_MS = 200;

  private NameGuard() {}

  /**
   * Succeeds when no older member is called {@code name}; fails with a ConfigException if one
   * stays.
   */
  public static Future<Void> unique(Vertx vertx, HazelcastClusterManager manager, String name) {
    Promise<Void> done = Promise.promise();
    check(vertx, manager, name, System.nanoTime() + WAIT.toNanos(), true, done);
    return done.future();
  }

  private static void check(
      Vertx vertx,
      HazelcastClusterManager manager,
      String name,
      long deadline,
      boolean first,
      Promise<Void> done) {
    Member twin = olderTwin(manager, name);
    if (twin == null) {
      done.tryComplete();
      return;
    }
    if (System.nanoTime() >= deadline) {
      done.tryFail(
          new ConfigException(
              "nodeName: '"
                  + name
                  + "' is already the name of the live member at "
                  + twin.getAddress()
                  + " (expected: a name no other member of the cluster has; set nodeName on one of"
                  + " them). This node leaves the cluster."));
      return;
    }
    if (first) {
      LOG.warn(
          "nodeName '{}' is taken by the member at {}: waiting up to {} s for it to leave",
          name,
          twin.getAddress(),
          WAIT.toSeconds());
    }
    vertx.setTimer(POLL_MS, id -> check(vertx, manager, name, deadline, false, done));
  }

  /** The first member older than this one with the same name, or null. */
  static Member olderTwin(HazelcastClusterManager manager, String name) {
    var cluster = manager.getHazelcastInstance().getCluster();
    Member self = cluster.getLocalMember();
    for (Member m : cluster.getMembers()) {
      if (m.getUuid().equals(self.getUuid())) {
        return null; // the rest joined after this one: they refuse, not this one
      }
      if (name.equals(NodeDirectory.nameOf(m))) {
        return m;
      }
    }
    return null;
  }
}
