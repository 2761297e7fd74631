package io.httpsproxy.ingress;

import io.httpsproxy.admission.RateLimiter;
import io.httpsproxy.config.AuthGuardConfig;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.reload.LiveSettings;
import io.httpsproxy.reload.NodeSettings;
import io.httpsproxy.security.AuthGuard;
import io.httpsproxy.security.Authenticator;
import io.httpsproxy.security.ClientCertIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * Who is calling, and may they: authentication (when a credentials file is configured; failed
 * logins are counted and locked out by the node's {@link AuthGuard}), then the per-client rate
 * limit. Runs once per request in {@link IngressVerticle} after the client ACL and before dispatch,
 * so CONNECT, forward and API requests pass the same gate.
 *
 * <ul>
 *   <li>Proxy requests (CONNECT, absolute form): {@code Proxy-Authorization: Basic}, else 407.
 *   <li>The JSON API: {@code Authorization: Basic} or {@code Bearer}, else 401.
 *   <li>{@code /health}, {@code /ready}: open. {@code /stats}, {@code /metrics}: open to loopback
 *       clients, else authenticated like the API.
 * </ul>
 *
 * <p>On the TLS listener a verified client certificate names the user ({@link ClientCertIdentity}):
 * without a credentials file it is the identity; with one it replaces the credentials ({@code
 * tlsClientIdentity} either) or is required beside them (both).
 */
final class AccessGate {
  /** What kind of request is at the gate; decides the header, the status and the rate limit. */
  enum Kind {
    PROXY,
    API,
    ADMIN_OPEN,
    ADMIN_PROTECTED
  }

  /** The kind of an origin-form request for one of the node's own paths. */
  static Kind adminKind(String path) {
    return path.equals("/health") || path.equals("/ready") ? Kind.ADMIN_OPEN : Kind.ADMIN_PROTECTED;
  }

  /** Who called; {@code user} is null when no authentication was needed. */
  record Caller(String user, String address) {}

  private final Vertx vertx;
  private final LiveSettings settings;

  /** The credentials and the rate limit are read per request: a reload applies to the next one. */
  AccessGate(Vertx vertx, LiveSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
  }

  /** The caller, or a failed future with the answer to give (401, 407, 429, 503 AUTH_BUSY). */
  Future<Caller> admit(HttpServerRequest req, Kind kind, String address) {
    NodeSettings now = settings.get();
    Authenticator auth = now.auth();
    RateLimiter limiter = now.rateLimiter();
    boolean needsAuth =
        auth != null
            && (kind == Kind.PROXY
                || kind == Kind.API
                || (kind == Kind.ADMIN_PROTECTED && !isLoopback(address)));
    String certUser = ClientCertIdentity.of(req.connection());
    Future<String> user =
        needsAuth
            ? withCertificate(now, req, kind, address, certUser)
            : Future.succeededFuture(certUser);
    if (limiter == null || kind == Kind.ADMIN_OPEN || kind == Kind.ADMIN_PROTECTED) {
      return user.map(u -> new Caller(u, address));
    }
    return user.compose(
        u -> {
          String key = u != null ? "user:" + u : "addr:" + address;
          if (!limiter.tryAcquire(key)) {
            return Future.failedFuture(new ProxyException(FailureCode.RATE_LIMITED));
          }
          return Future.succeededFuture(new Caller(u, address));
        });
  }

  /**
   * A verified client certificate with credentials configured: enough alone under {@code
   * tlsClientIdentity} either; under both, credentials are checked too and name the user.
   */
  private Future<String> withCertificate(
      NodeSettings now, HttpServerRequest req, Kind kind, String address, String certUser) {
    if (!now.config().tls().bothRequired()) {
      return certUser != null
          ? Future.succeededFuture(certUser)
          : authenticate(now, req, kind, address);
    }
    if (certUser == null) {
      FailureCode refused =
          kind == Kind.PROXY ? FailureCode.PROXY_AUTH_REQUIRED : FailureCode.AUTH_REQUIRED;
      return Future.failedFuture(
          new ProxyException(
              refused,
              "a verified client certificate is required as well (tlsClientIdentity is both)"));
    }
    return authenticate(now, req, kind, address);
  }

  private Future<String> authenticate(
      NodeSettings now, HttpServerRequest req, Kind kind, String address) {
    boolean proxy = kind == Kind.PROXY;
    FailureCode refused = proxy ? FailureCode.PROXY_AUTH_REQUIRED : FailureCode.AUTH_REQUIRED;
    String header = req.getHeader(proxy ? "Proxy-Authorization" : "Authorization");
    if (header == null) {
      // The first leg of the Basic handshake, not a guess: no strike.
      return Future.failedFuture(new ProxyException(refused));
    }
    String value = header.trim();
    AuthGuard guard = now.authGuard();
    AuthGuardConfig rules = now.config().authGuard();
    if (!proxy && startsWithIgnoreCase(value, "Bearer ")) {
      return guard.bearer(rules, now.auth(), value.substring(7).trim(), address, refused);
    }
    if (!startsWithIgnoreCase(value, "Basic ")) {
      return Future.failedFuture(new ProxyException(refused, "unsupported authorization scheme"));
    }
    // PBKDF2 runs on the guard's own threads, never on the event loop, at most
    // authVerifyConcurrency at once.
    return guard.basic(
        vertx.getOrCreateContext(), rules, now.auth(), value.substring(6), address, refused);
  }

  private static boolean startsWithIgnoreCase(String s, String prefix) {
    return s.regionMatches(true, 0, prefix, 0, prefix.length());
  }

  static boolean isLoopback(String address) {
    return address != null
        && (address.startsWith("127.")
            || address.equals("::1")
            || address.equals("0:0:0:0:0:0:0:1")
            || address.startsWith("::ffff:127."));
  }
}
