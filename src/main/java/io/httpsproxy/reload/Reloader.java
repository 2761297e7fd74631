package io.httpsproxy.reload;

import io.httpsproxy.cluster.NodeDirectory;
import io.httpsproxy.config.ConfigDiff;
import io.httpsproxy.config.ConfigException;
import io.httpsproxy.config.ConfigSource;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the node's config and applies what may change live (SIGHUP, {@code POST /admin/reload},
 * or another node's cluster-wide reload over the event bus). All or nothing: an invalid config, or
 * one that changes a setting needing a restart, is refused whole and the running settings stay.
 */
public final class Reloader {
  /** How long a cluster-wide reload waits for each node's answer. */
  static final long NODE_TIMEOUT_MS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

  private final Vertx vertx;
  private final ConfigSource source;
  private final LiveSettings live;
  private final NodeSettings.PolicyFactory policies;
  private final NodeDirectory nodes;
  private final String nodeId;

  /**
   * Runs before a new version replaces the running one (the TLS listener takes its new certificate
   * here); a failure refuses the reload, so what serves and what is reported never differ.
   */
  public interface Preparer {
    Future<?> prepare(NodeSettings running, NodeSettings next);
  }

  private volatile Preparer preparer = (running, next) -> Future.succeededFuture();

  public Reloader(
      Vertx vertx,
      ConfigSource source,
      LiveSettings live,
      NodeSettings.PolicyFactory policies,
      NodeDirectory nodes,
      String nodeId) {
    this.vertx = vertx;
    this.source = source;
    this.live = live;
    this.policies = policies;
    this.nodes = nodes;
    this.nodeId = nodeId;
  }

  /** Listens for cluster-wide reloads started on other nodes. */
  public Future<Void> start() {
    MessageConsumer<JsonObject> consumer =
        vertx
            .eventBus()
            .consumer(
                Addresses.reload(nodes.selfId()),
                (Message<JsonObject> msg) ->
                    reload(msg.body().getString("origin", "cluster"))
                        .onComplete(
                            ar ->
                                msg.reply(
                                    ar.succeeded() ? ar.result() : noAnswer(nodeId, ar.cause()))));
    return consumer.completion();
  }

  public void beforeApply(Preparer p) {
    this.preparer = p;
  }

  /** Reloads this node. Never fails: the result says what happened ({@link ReloadStatus}). */
  public Future<JsonObject> reload(String origin) {
    return vertx.executeBlocking(() -> reloadNow(origin, false), false);
  }

  /**
   * Re-reads the files the running config names (TLS certificate, key and client CA, credentials)
   * without reading the config again: for a change seen on disk, which must not also apply
   * unrelated edits of the config file that nobody asked to reload yet.
   */
  public Future<JsonObject> reloadFiles(String origin) {
    return vertx.executeBlocking(() -> reloadNow(origin, true), false);
  }

  /** Reloads every node of the cluster, each from its own config file; one result per node. */
  public Future<JsonObject> reloadCluster(String origin) {
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String id : nodes.nodes()) {
      if (id.equals(nodes.selfId())) {
        answers.add(reload(origin));
        continue;
      }
      answers.add(
          vertx
              .eventBus()
              .<JsonObject>request(
                  Addresses.reload(id),
                  new JsonObject().put("origin", origin + " via node " + nodeId),
                  new DeliveryOptions().setSendTimeout(NODE_TIMEOUT_MS))
              .map(Message::body)
              .otherwise(t -> noAnswer(nodes.name(id), t)));
    }
    return Future.join(answers)
        .transform(
            ar -> {
              JsonArray all = new JsonArray();
              answers.forEach(f -> all.add(f.result()));
              return Future.succeededFuture(new JsonObject().put("nodes", all));
            });
  }

  /** The worst status of a cluster-wide result (a failure before success), for the HTTP answer. */
  public static ReloadStatus worst(JsonObject clusterResult) {
    ReloadStatus worst = ReloadStatus.UNCHANGED;
    for (Object o : clusterResult.getJsonArray("nodes")) {
      ReloadStatus s = ReloadStatus.ofLabel(((JsonObject) o).getString("status"));
      if (s.failure() != null && (worst.failure() == null || s.ordinal() < worst.ordinal())) {
        worst = s;
      } else if (worst == ReloadStatus.UNCHANGED && s == ReloadStatus.APPLIED) {
        worst = s;
      }
    }
    return worst;
  }

  /** One reload at a time per node, so versions only grow and two reloads never interleave. */
  synchronized JsonObject reloadNow(String origin, boolean filesOnly) {
    NodeSettings running = live.get();
    ProxyConfig next;
    try {
      next = filesOnly ? running.config() : source.load();
    } catch (ConfigException e) {
      return refused(origin, ReloadStatus.INVALID, e.getMessage(), running);
    } catch (RuntimeException e) {
      return refused(origin, ReloadStatus.INVALID, "could not read the config: " + e, running);
    }
    ConfigDiff diff = ConfigDiff.between(running.config(), next);
    if (diff.needsRestart()) {
      String message =
          "needs a restart, so nothing was applied: " + String.join("; ", diff.restartOnly());
      return refused(origin, ReloadStatus.NEEDS_RESTART, message, running);
    }
    NodeSettings built;
    try {
      built = NodeSettings.build(next, running.version() + 1, running, policies);
    } catch (ConfigException e) {
      return refused(origin, ReloadStatus.INVALID, e.getMessage(), running);
    } catch (RuntimeException e) {
      return refused(origin, ReloadStatus.INVALID, "could not apply the config: " + e, running);
    }
    List<String> applied = new ArrayList<>(diff.liveKeys());
    if (built.credentialsChanged(running) && !applied.contains("credentialsFile")) {
      applied.add("credentialsFile");
    }
    for (String key : built.tlsChanged(running)) {
      if (!applied.contains(key)) {
        applied.add(key);
      }
    }
    List<String> shadowed = shadowed(origin);
    if (applied.isEmpty()) {
      LOG.info("reload ({}): nothing changed; config version {}", origin, running.version());
      return withShadowed(result(ReloadStatus.UNCHANGED, running, List.of(), null), shadowed);
    }
    String unprepared = prepare(running, built);
    if (unprepared != null) {
      return refused(origin, ReloadStatus.INVALID, unprepared, running);
    }
    live.replace(built);
    LOG.info(
        "reload ({}): applied {}; config version {} ({})",
        origin,
        String.join(", ", applied),
        built.version(),
        built.fingerprint());
    return withShadowed(result(ReloadStatus.APPLIED, built, applied, null), shadowed);
  }

  /** Null when the preparer took the new version, else why not. Runs on a worker thread. */
  private String prepare(NodeSettings running, NodeSettings next) {
    try {
      preparer
          .prepare(running, next)
          .toCompletionStage()
          .toCompletableFuture()
          .get(NODE_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return "could not apply the config: " + e.getCause().getMessage();
    } catch (java.util.concurrent.TimeoutException e) {
      return "could not apply the config in " + NODE_TIMEOUT_MS + " ms";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while applying the config";
    }
  }

  /** File keys a flag or variable overrides: an edit to them did nothing, so say which. */
  private List<String> shadowed(String origin) {
    List<String> shadowed;
    try {
      shadowed = source.shadowed();
    } catch (RuntimeException e) {
      return List.of(); // the file was just read without error; only the report is lost
    }
    if (!shadowed.isEmpty()) {
      LOG.warn(
          "reload ({}): flags and PROXY_* variables win over the file: {}",
          origin,
          String.join("; ", shadowed));
    }
    return shadowed;
  }

  private static JsonObject withShadowed(JsonObject result, List<String> shadowed) {
    return shadowed.isEmpty()
        ? result
        : result.put("shadowed", new JsonArray(new ArrayList<>(shadowed)));
  }

  private JsonObject refused(
      String origin, ReloadStatus status, String message, NodeSettings running) {
    LOG.warn(
        "reload ({}) refused, config version {} stays: {}", origin, running.version(), message);
    return result(status, running, List.of(), message);
  }

  private JsonObject result(
      ReloadStatus status, NodeSettings settings, List<String> applied, String error) {
    JsonObject r =
        new JsonObject()
            .put("node", nodeId)
            .put("status", status.label())
            .put("configVersion", settings.version())
            .put("fingerprint", settings.fingerprint())
            .put("applied", new JsonArray(new ArrayList<>(applied)));
    if (error != null) {
      r.put("error", error);
    }
    return r;
  }

  private static JsonObject noAnswer(String node, Throwable t) {
    return new JsonObject()
        .put("node", node)
        .put("status", ReloadStatus.NO_ANSWER.label())
        .put("error", "no answer: " + t.getMessage());
  }
}
