package io.httpsproxy.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs cluster membership: the size on joining and every change. Listens on Hazelcast directly
 * (Vert.x uses the cluster manager's own node listener; it must not be replaced).
 */
public final class Membership {
  private static final Logger LOG = LoggerFactory.getLogger("https-proxy.cluster");

  private Membership() {}

  public static void log(HazelcastClusterManager manager) {
    var cluster = manager.getHazelcastInstance().getCluster();
    LOG.info(
        "cluster joined: {} members, this node {}",
        cluster.getMembers().size(),
        manager.getNodeId());
    cluster.addMembershipListener(
        new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent e) {
            LOG.info(
                "cluster member added {}: {} members",
                e.getMember().getAddress(),
                e.getMembers().size());
          }

          @Override
          public void memberRemoved(MembershipEvent e) {
            LOG.info(
                "cluster member removed {}: {} members",
                e.getMember().getAddress(),
                e.getMembers().size());
          }
        });
  }
}
