package io.httpsproxy.reload;

import io.httpsproxy.admission.RateLimiter;
import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.config.Setting;
import io.httpsproxy.config.TlsMaterial;
import io.httpsproxy.security.AuthGuard;
import io.httpsproxy.security.Authenticator;
import io.httpsproxy.security.ClientAcl;
import io.httpsproxy.security.DestinationPolicy;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Everything a node applies live, built from one {@link ProxyConfig} and replaced whole on reload,
 * so a request sees either the old settings or the new ones, never a mix.
 *
 * @param config the config these were built from
 * @param version 1 at start-up, one more for each reload that changed something
 * @param fingerprint a short hash of the live settings and the credentials file's content: nodes
 *     with the same fingerprint apply the same policy
 * @param policy the destination policy (SSRF checks, allow and deny lists)
 * @param clients the client ACL
 * @param auth null when no credentials file is configured
 * @param rateLimiter null when rateLimit is 0
 * @param credentialsDigest SHA-256 of the credentials file as read; empty without one
 * @param authGuard the node's failed-login book and password-check pool: one per node, the same
 *     object in every version (it reads its settings from {@code config} per request)
 * @param tls the TLS listener's certificate, key and client CA as read; null without a listener
 */
public record NodeSettings(
    ProxyConfig config,
    int version,
    String fingerprint,
    DestinationPolicy policy,
    ClientAcl clients,
    Authenticator auth,
    RateLimiter rateLimiter,
    String credentialsDigest,
    AuthGuard authGuard,
    TlsMaterial tls) {

  /** Makes a destination policy from the allow and deny lists; the rest of it is fixed per node. */
  public interface PolicyFactory
      extends BiFunction<List<String>, List<String>, DestinationPolicy> {}

  /** The settings of a node at start-up. */
  public static NodeSettings initial(ProxyConfig config, PolicyFactory policies) {
    return build(config, 1, null, policies);
  }

  /**
   * The settings of {@code config}, keeping what did not change from {@code previous}: the
   * authenticator (and its verdict cache) when the credentials file's content is the same, and the
   * rate limiter (and its buckets) when rateLimit and rateBurst are the same.
   */
  static NodeSettings build(
      ProxyConfig config, int version, NodeSettings previous, PolicyFactory policies) {
    String credentials = "";
    Authenticator auth = null;
    if (config.authEnabled()) {
      CredentialsFile.Loaded loaded = CredentialsFile.load(Path.of(config.credentialsFile()));
      credentials = loaded.digest();
      boolean same =
          previous != null
              && previous.auth != null
              && previous.credentialsDigest.equals(credentials);
      auth = same ? previous.auth : Authenticator.of(loaded.entries());
    }
    RateLimiter limiter = null;
    if (config.rateLimit() > 0) {
      boolean same =
          previous != null
              && previous.rateLimiter != null
              && previous.config.rateLimit() == config.rateLimit()
              && previous.config.effectiveRateBurst() == config.effectiveRateBurst();
      limiter =
          same
              ? previous.rateLimiter
              : new RateLimiter(config.rateLimit(), config.effectiveRateBurst());
    }
    return new NodeSettings(
        config,
        version,
        fingerprint(config, credentials),
        policies.apply(config.allowDestinations(), config.denyDestinations()),
        ClientAcl.of(config.allowClients()),
        auth,
        limiter,
        credentials,
        previous != null ? previous.authGuard : new AuthGuard(),
        config.tls().enabled() ? TlsMaterial.read(config.tls()) : null);
  }

  /** True when the credentials file's content differs from the one these settings were built on. */
  boolean credentialsChanged(NodeSettings other) {
    return !credentialsDigest.equals(other.credentialsDigest);
  }

  /** The TLS settings whose file's content differs from {@code other}'s; empty without TLS. */
  public List<String> tlsChanged(NodeSettings other) {
    return tls == null ? List.of() : tls.changedFrom(other.tls);
  }

  private static String fingerprint(ProxyConfig config, String credentials) {
    MessageDigest md = sha256();
    var json = config.toJson();
    for (Setting s : Setting.LIVE) {
      md.update((s.key() + "=" + json.getValue(s.key()) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    md.update(credentials.getBytes(StandardCharsets.UTF_8));
    return hex(md.digest()).substring(0, 12);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  /** The limits in force, as /stats and the cluster view show them beside the counters. */
  public JsonObject limitsJson() {
    ProxyConfig c = config;
    return new JsonObject()
        .put("maxConnections", c.maxConnections())
        .put("maxTunnels", c.maxTunnels())
        .put("queueSize", c.queueSize())
        .put("workers", c.workers())
        .put("queueTimeoutMs", c.queueTimeout().toMillis())
        .put("requestTimeoutMs", c.requestTimeout().toMillis())
        .put("maxBodyBytes", c.maxBodyBytes());
  }

  /** Which settings these are: the reload version and the fingerprint of the file behind them. */
  public JsonObject versionJson() {
    return new JsonObject().put("version", version).put("fingerprint", fingerprint);
  }
}
