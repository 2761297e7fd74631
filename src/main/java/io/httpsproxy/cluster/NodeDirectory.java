package io.httpsproxy.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes that can serve requests, and news of those that leave. The ingress picks a node here
 * (round-robin, so every node gets an equal share whatever its cores) and sends to that node's own
 * egress address; when a node leaves the cluster, the ingress answers or re-sends what it had in
 * flight there at once instead of waiting for the event-bus timeout.
 *
 * <p>It also logs membership: the size on joining and every change. It listens on Hazelcast
 * directly (Vert.x uses the cluster manager's own node listener; that one must not be replaced).
 *
 * <p>Shared by every ingress verticle; membership events arrive on Hazelcast threads, so the list
 * is copy-on-write and the round-robin counter atomic (a race may give two senders the same node:
 * tolerated, the spread stays even on average).
 */
public final class NodeDirectory {
  /** Where vertx-hazelcast keeps the Vert.x node id of a member (not the Hazelcast UUID). */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  /** The member attribute that carries a member's nodeName (set by {@link ClusterSetup}). */
  static final String NODE_NAME = "proxy.nodeName";

  private static final Logger LOG = LoggerFactory.getLogger("https-proxy.cluster");

  private final String selfId;
  private final String selfName;
  private final NodeFence fence;
  private final CopyOnWriteArrayList<String> live = new CopyOnWriteArrayList<>();

  /** Event-bus id to nodeName of the live members (written on Hazelcast threads). */
  private final Map<String, String> names = new ConcurrentHashMap<>();

  private final List<Consumer<String>> removalListeners = new CopyOnWriteArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  private NodeDirectory(String selfId, String selfName, List<String> nodes, NodeFence fence) {
    this.selfId = selfId;
    this.selfName = selfName;
    this.fence = fence;
    this.live.addAll(nodes);
    this.names.put(selfId, selfName);
  }

  /** A node alone: it serves everything itself. */
  public static NodeDirectory single(String selfId, String selfName, NodeFence fence) {
    return new NodeDirectory(selfId, selfName, List.of(selfId), fence);
  }

  /**
   * The members of a Hazelcast cluster, kept current by its membership events, and rebuilt from the
   * member list after a split-brain merge (a healed partition, or a frozen node coming back), in
   * case the merged side saw no event for a member. The event-bus consumers need nothing from here:
   * vertx-hazelcast 5.0.7 publishes a node's own subscriptions again whenever a member is removed,
   * and the merged side's entries join the cluster's (PartitionIT checks that every node is sent
   * work by every other after a merge).
   */
  public static NodeDirectory clustered(
      HazelcastClusterManager manager, String selfName, NodeFence fence) {
    NodeDirectory d = new NodeDirectory(manager.getNodeId(), selfName, manager.getNodes(), fence);
    var hz = manager.getHazelcastInstance();
    var cluster = hz.getCluster();
    cluster.getMembers().forEach(d::learnName);
    hz.getLifecycleService().addLifecycleListener(e -> d.lifecycle(manager, e));
    fence.onWake(
        () ->
            LOG.warn(
                "woken from a freeze: Hazelcast sees {} members, the directory {}",
                cluster.getMembers().size(),
                d.live.size()));
    LOG.info("cluster joined: {} members, this node {}", cluster.getMembers().size(), selfName);
    cluster.addMembershipListener(
        new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent e) {
            LOG.info(
                "cluster member added {} at {}: {} members",
                nameOf(e.getMember()),
                e.getMember().getAddress(),
                e.getMembers().size());
            d.learnName(e.getMember());
            String id = vertxId(e.getMember());
            if (id != null) {
              d.live.addIfAbsent(id);
            }
          }

          @Override
          public void memberRemoved(MembershipEvent e) {
            LOG.info(
                "cluster member removed {} at {}: {} members",
                nameOf(e.getMember()),
                e.getMember().getAddress(),
                e.getMembers().size());
            String id = vertxId(e.getMember());
            if (id != null) {
              d.removed(id);
            }
          }
        });
    // A member that joined between getNodes() and the listener: take the list again.
    cluster.getMembers().forEach(d::learnName);
    for (String id : manager.getNodes()) {
      d.live.addIfAbsent(id);
    }
    return d;
  }

  private void learnName(Member m) {
    String id = vertxId(m);
    String name = nameOf(m);
    if (id != null && name != null) {
      names.put(id, name);
    }
  }

  /** A member's nodeName; null for a member that set none (not an https-proxy node). */
  static String nameOf(Member m) {
    return m.getAttribute(NODE_NAME);
  }

  private void lifecycle(HazelcastClusterManager manager, LifecycleEvent e) {
    switch (e.getState()) {
      case MERGING -> LOG.warn("cluster split-brain merge: this side joins the larger cluster");
      case MERGED -> {
        resync(manager.getNodes());
        LOG.info("cluster merged: {} members {}", live.size(), live);
      }
      case MERGE_FAILED -> LOG.warn("cluster split-brain merge failed: this side stays apart");
      default -> {}
    }
  }

  /** Makes the list exactly {@code nodes}; those no longer there are reported as removed. */
  void resync(List<String> nodes) {
    for (String id : nodes) {
      live.addIfAbsent(id);
    }
    for (String id : List.copyOf(live)) {
      if (!nodes.contains(id) && !id.equals(selfId)) {
        removed(id);
      }
    }
  }

  private static String vertxId(Member m) {
    return m.getAttribute(VERTX_NODE_ID);
  }

  public String selfId() {
    return selfId;
  }

  /** This node's nodeName. */
  public String selfName() {
    return selfName;
  }

  /**
   * The nodeName of the node with event-bus id {@code id}; the id itself for a member whose name is
   * not known (yet).
   */
  public String name(String id) {
    return names.getOrDefault(id, id);
  }

  public NodeFence fence() {
    return fence;
  }

  public List<String> nodes() {
    return new ArrayList<>(live);
  }

  public boolean isLive(String nodeId) {
    return live.contains(nodeId);
  }

  /** The next node round-robin, skipping {@code exclude}; null when none is left. */
  public String pick(Set<String> exclude) {
    List<String> nodes = nodes();
    int n = nodes.size();
    int start = Math.floorMod(next.getAndIncrement(), Math.max(1, n));
    for (int i = 0; i < n; i++) {
      String id = nodes.get((start + i) % n);
      if (!exclude.contains(id)) {
        return id;
      }
    }
    return null;
  }

  /** {@code listener} hears the id of every node that leaves (on a Hazelcast thread). */
  public void onRemoved(Consumer<String> listener) {
    removalListeners.add(listener);
  }

  /** Listeners can still ask {@link #name} of the node; its name is forgotten after them. */
  void removed(String nodeId) {
    if (live.remove(nodeId)) {
      removalListeners.forEach(l -> l.accept(nodeId));
      names.remove(nodeId);
    }
  }
}
