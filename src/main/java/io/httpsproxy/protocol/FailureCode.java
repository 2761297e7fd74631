package io.httpsproxy.protocol;

/**
 * Why the proxy, not the upstream, answered a request. Shared by ingress and egress and carried in
 * event-bus replies by ordinal-free {@link #name()}, so both sides agree without parsing messages.
 */
public enum FailureCode {
  BAD_REQUEST(400, Outcome.ERROR, "malformed request"),
  CLIENT_DENIED(403, Outcome.ERROR, "this client address may not use the proxy (allowClients)"),
  DESTINATION_DENIED(403, Outcome.ERROR, "the destination is not allowed"),
  NOT_FOUND(404, Outcome.ERROR, "no such route"),
  METHOD_NOT_ALLOWED(405, Outcome.ERROR, "method not allowed here"),
  REQUEST_BODY_TOO_LARGE(413, Outcome.ERROR, "request body exceeds maxBodyBytes"),
  /** Recorded, never sent: the client closed its connection before its answer ended (nginx 499). */
  CLIENT_GONE(499, Outcome.ERROR, "the client closed the connection before the answer ended"),
  /** Recorded, never sent: the client read nothing of its answer for writeIdleTimeout. */
  WRITE_TIMEOUT(
      408, Outcome.TIMEOUT, "the client read nothing of the answer within writeIdleTimeout"),
  CONNECTION_LIMIT(503, Outcome.REJECTED, "too many open connections (maxConnections)"),
  TUNNEL_LIMIT(503, Outcome.REJECTED, "too many open tunnels (maxTunnels)"),
  QUEUE_FULL(503, Outcome.REJECTED, "queue is full, retry later"),
  QUEUE_TIMEOUT(503, Outcome.TIMEOUT, "no worker started the request within queueTimeout"),
  MEMORY_PRESSURE(
      503, Outcome.REJECTED, "the node is short of memory (memoryPressure, memoryCritical)"),
  SHUTTING_DOWN(503, Outcome.REJECTED, "the proxy is shutting down"),
  NO_WORKERS(503, Outcome.REJECTED, "no worker is available on the event bus"),
  UPSTREAM_TIMEOUT(504, Outcome.TIMEOUT, "upstream did not answer within requestTimeout"),
  UPSTREAM_DNS(502, Outcome.ERROR, "upstream host name could not be resolved"),
  UPSTREAM_DNS_TIMEOUT(504, Outcome.TIMEOUT, "no DNS server answered within dnsQueryTimeout"),
  UPSTREAM_REFUSED(502, Outcome.ERROR, "upstream refused the connection"),
  UPSTREAM_TLS(502, Outcome.ERROR, "TLS handshake with upstream failed"),
  UPSTREAM_RESET(502, Outcome.ERROR, "upstream closed the connection before the response ended"),
  UPSTREAM_PROTOCOL(
      502,
      Outcome.ERROR,
      "upstream broke HTTP/1.1: an invalid status, an unasked-for 101 or a malformed head"),
  UPSTREAM_BODY_TOO_LARGE(502, Outcome.ERROR, "upstream response body exceeds maxBodyBytes"),
  UPSTREAM_ERROR(502, Outcome.ERROR, "upstream call failed"),
  NODE_LOST(502, Outcome.ERROR, "the node serving the request left the cluster"),
  /**
   * The node had just woken from a freeze and refused a request of another node without running it;
   * the sender re-sends it elsewhere, so a client sees this only when no other node is left.
   */
  NODE_FENCED(503, Outcome.REJECTED, "the node was frozen and refused the request unrun; retry"),
  NO_REPLY(504, Outcome.TIMEOUT, "the worker never answered"),
  INTERNAL(500, Outcome.ERROR, "internal proxy error"),
  PROXY_AUTH_REQUIRED(407, Outcome.ERROR, "proxy authentication required (Proxy-Authorization)"),
  AUTH_REQUIRED(401, Outcome.ERROR, "authentication required (Authorization: Basic or Bearer)"),
  RATE_LIMITED(429, Outcome.REJECTED, "too many requests from this client (rateLimit)"),
  AUTH_LOCKED(
      429,
      Outcome.REJECTED,
      "too many failed logins from this client; retry after the lockout (authFailureLimit,"
          + " authLockout)"),
  AUTH_BUSY(
      503,
      Outcome.REJECTED,
      "too many password checks at once on this node, or from this client address; retry later"
          + " (authVerifyConcurrency)"),
  HEADER_TIMEOUT(408, Outcome.TIMEOUT, "request headers not received within headerTimeout"),
  BODY_TIMEOUT(408, Outcome.TIMEOUT, "request body not received within bodyTimeout"),
  URI_TOO_LONG(414, Outcome.ERROR, "request line exceeds maxInitialLineLength"),
  HEADERS_TOO_LARGE(431, Outcome.ERROR, "request headers exceed maxHeaderSize"),
  TOO_MANY_HEADERS(431, Outcome.ERROR, "more request header lines than maxHeaderCount"),
  VERSION_NOT_SUPPORTED(505, Outcome.ERROR, "only HTTP/1.1 and HTTP/1.0 are served"),
  BAD_FRAMING(400, Outcome.ERROR, "malformed message framing; the connection is closed"),
  LOOP_DETECTED(508, Outcome.ERROR, "the request already passed through this proxy (Via)"),
  LOOPBACK_ONLY(403, Outcome.ERROR, "this endpoint answers loopback clients only"),
  RELOAD_INVALID(400, Outcome.ERROR, "the config is invalid; nothing was applied"),
  RELOAD_NEEDS_RESTART(
      409, Outcome.ERROR, "a changed setting needs a restart; nothing was applied"),
  RELOAD_NO_ANSWER(504, Outcome.TIMEOUT, "a node did not answer the reload");

  private final int status;
  private final Outcome outcome;
  private final String defaultMessage;

  FailureCode(int status, Outcome outcome, String defaultMessage) {
    this.status = status;
    this.outcome = outcome;
    this.defaultMessage = defaultMessage;
  }

  public int status() {
    return status;
  }

  public Outcome outcome() {
    return outcome;
  }

  public String defaultMessage() {
    return defaultMessage;
  }

  /** Overload answers tell the client when to come back (RFC 9110 section 10.2.3). */
  public boolean retryable() {
    return this == QUEUE_FULL
        || this == CONNECTION_LIMIT
        || this == TUNNEL_LIMIT
        || this == QUEUE_TIMEOUT
        || this == SHUTTING_DOWN
        || this == NO_WORKERS
        || this == MEMORY_PRESSURE
        || this == RATE_LIMITED
        || this == AUTH_LOCKED
        || this == AUTH_BUSY
        || this == NODE_FENCED;
  }
}
