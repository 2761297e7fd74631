package io.httpsproxy.config;

import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.Locale;

/**
 * Every setting of a node, named once: its key in conf/proxy.json, its flag, its environment
 * variable and its help text all derive from here, so the four sources cannot drift apart.
 */
public enum Setting {
  PORT("port", Kind.INT, "TCP port of the plain listener; 0 picks a free port, -1 = none"),
  HOST("host", Kind.STRING, "address to bind"),
  MAX_CONNECTIONS("maxConnections", Kind.INT, "open client connections before new ones get 503"),
  QUEUE_SIZE("queueSize", Kind.INT, "requests waiting for a worker before new ones get 503"),
  WORKERS("workers", Kind.INT, "cap on concurrent upstream calls on this node"),
  QUEUE_TIMEOUT("queueTimeout", Kind.SECONDS, "longest wait for a worker, seconds (then 503)"),
  REQUEST_TIMEOUT("requestTimeout", Kind.SECONDS, "longest upstream call, seconds (then 504)"),
  CONNECT_TIMEOUT("connectTimeout", Kind.SECONDS, "longest upstream TCP+TLS connect, seconds"),
  MAX_BODY_BYTES(
      "maxBodyBytes", Kind.LONG, "largest request or response body (413 / 502); 0 = no limit"),
  IDLE_TIMEOUT(
      "idleTimeout", Kind.SECONDS, "close idle client connections after, seconds; 0 = never"),
  DRAIN_TIMEOUT("drainTimeout", Kind.SECONDS, "on SIGTERM, longest wait for in-flight requests"),
  STATS_INTERVAL("statsInterval", Kind.SECONDS, "period of the statistics log line, seconds"),
  VERTX_REQUEST_METRICS(
      "vertxRequestMetrics",
      Kind.BOOL,
      "also export Vert.x's per-request meters (vertx_http_*, vertx_eventbus_*): more CPU per request"),
  CA_FILE("caFile", Kind.STRING, "extra PEM CA bundle trusted for upstream TLS (plus the JVM's)"),
  DNS_SERVERS(
      "dnsServers", Kind.STRING, "DNS servers for upstream names, host:port,...; empty = system's"),
  DNS_QUERY_TIMEOUT(
      "dnsQueryTimeout",
      Kind.SECONDS,
      "longest wait for a DNS server's answer, seconds (then 504 UPSTREAM_DNS_TIMEOUT)"),
  DNS_NEGATIVE_TTL(
      "dnsNegativeTtl",
      Kind.SECONDS,
      "longest a failed lookup is remembered, seconds (a lower SOA minimum wins); 0 = never"),
  EVENT_LOOPS(
      "eventLoops", Kind.INT, "event-loop threads, each with its ingress server and its workers"),
  MAX_HEADER_SIZE("maxHeaderSize", Kind.INT, "largest request header block, bytes"),
  MAX_INITIAL_LINE_LENGTH("maxInitialLineLength", Kind.INT, "longest request line, bytes"),
  MAX_HEADER_COUNT("maxHeaderCount", Kind.INT, "most header lines in a request (then 431)"),
  FORWARDED_HEADERS(
      "forwardedHeaders",
      Kind.STRING,
      "client Forwarded / X-Forwarded-* headers: strip, append, replace or pass"),
  ADMIN_PORT(
      "adminPort",
      Kind.INT,
      "port of the admin listener (/health, /ready, /metrics, /stats, /dashboard, /admin/*),"
          + " outside maxConnections; -1 = none, 0 = pick a free one"),
  ADMIN_HOST("adminHost", Kind.STRING, "address the admin listener binds"),
  ADMIN_ON_PROXY_PORT(
      "adminOnProxyPort",
      Kind.BOOL,
      "serve the admin endpoints on the proxy port too (as before adminPort was on by default)"),
  TLS_PORT(
      "tlsPort",
      Kind.INT,
      "port of the TLS listener (same routes as port); -1 = none, 0 = pick a free one"),
  TLS_HOST("tlsHost", Kind.STRING, "address the TLS listener binds; empty = host"),
  TLS_CERT_FILE(
      "tlsCertFile", Kind.STRING, "PEM certificate chain of the TLS listener, leaf first"),
  TLS_KEY_FILE("tlsKeyFile", Kind.STRING, "PEM private key of that certificate, unencrypted"),
  TLS_CLIENT_AUTH(
      "tlsClientAuth", Kind.STRING, "client certificates: none, request (verify if sent), require"),
  TLS_CLIENT_CA_FILE(
      "tlsClientCaFile", Kind.STRING, "PEM CAs that client certificates must chain to"),
  TLS_CLIENT_IDENTITY(
      "tlsClientIdentity",
      Kind.STRING,
      "with a credentials file: either (certificate or credentials) or both (certificate and"
          + " credentials)"),
  TLS_WATCH_INTERVAL(
      "tlsWatchInterval",
      Kind.SECONDS,
      "check the TLS files for changes on disk every, seconds; 0 = only on reload"),
  NODE_NAME(
      "nodeName",
      Kind.STRING,
      "this node's name in metrics, logs, /stats and the dashboard, unique in a cluster;"
          + " empty = clusterPublicHost:port, else the host name"),
  CLUSTER("cluster", Kind.BOOL, "join a Hazelcast cluster; nodes share one event bus"),
  CLUSTER_NAME("clusterName", Kind.STRING, "cluster name; nodes with another name stay apart"),
  CLUSTER_MEMBERS(
      "clusterMembers", Kind.STRING, "TCP-IP join list, host[:port],... (multicast is off)"),
  CLUSTER_HOST("clusterHost", Kind.STRING, "address for cluster and event-bus traffic"),
  CLUSTER_PORT("clusterPort", Kind.INT, "Hazelcast member port"),
  CLUSTER_PUBLIC_HOST(
      "clusterPublicHost", Kind.STRING, "address other nodes use to reach this one (NAT, docker)"),
  EVENT_BUS_PORT("eventBusPort", Kind.INT, "event-bus TCP port; 0 picks a free one"),
  CLUSTER_CONFIG(
      "clusterConfig", Kind.STRING, "Hazelcast XML; empty = conf/cluster.xml or the bundled copy"),
  ALLOW_DESTINATIONS(
      "allowDestinations",
      Kind.LIST,
      "CIDRs and host patterns (*.example.com) opened despite the default-denied ranges"),
  DENY_DESTINATIONS(
      "denyDestinations", Kind.LIST, "CIDRs and host patterns always refused (wins over allow)"),
  ALLOW_CLIENTS("allowClients", Kind.LIST, "client CIDRs that may use the proxy; others get 403"),
  CONNECT_PORTS("connectPorts", Kind.PORT_LIST, "ports CONNECT tunnels may reach"),
  MAX_TUNNELS("maxTunnels", Kind.INT, "open CONNECT tunnels on this node before new ones get 503"),
  TUNNEL_IDLE_TIMEOUT(
      "tunnelIdleTimeout", Kind.SECONDS, "close a tunnel with no bytes either way after, seconds"),
  CREDENTIALS_FILE(
      "credentialsFile",
      Kind.STRING,
      "users and API tokens (see 'user add'); empty = no authentication"),
  RATE_LIMIT("rateLimit", Kind.INT, "requests per second per user or client address; 0 = off"),
  RATE_BURST("rateBurst", Kind.INT, "requests a client may send at once; 0 = rateLimit"),
  AUTH_FAILURE_LIMIT(
      "authFailureLimit",
      Kind.INT,
      "failed logins per client address or user name before a lockout (429)"),
  AUTH_LOCKOUT(
      "authLockout", Kind.SECONDS, "first lockout, seconds; doubles with each further failure"),
  AUTH_LOCKOUT_MAX("authLockoutMax", Kind.SECONDS, "longest lockout, seconds"),
  AUTH_VERIFY_CONCURRENCY(
      "authVerifyConcurrency",
      Kind.INT,
      "password checks (PBKDF2) running at once on this node; 0 = half the cores"),
  HEADER_TIMEOUT(
      "headerTimeout", Kind.SECONDS, "longest wait for a request's headers, seconds (then 408)"),
  ACCESS_LOG("accessLog", Kind.STRING, "access log: stdout, off, or a file path"),
  ACCESS_LOG_PATHS("accessLogPaths", Kind.BOOL, "put URL paths (and queries) in the access log"),
  LOG_LEVEL(
      "logLevel", Kind.STRING, "level of the application log: ERROR, WARN, INFO, DEBUG, TRACE"),
  LOG_FORMAT(
      "logFormat",
      Kind.STRING,
      "application log format on stderr: text, or json (one object per line)"),
  SHUTDOWN_DELAY(
      "shutdownDelay",
      Kind.SECONDS,
      "on SIGTERM, seconds to keep serving while /ready answers 503, before the drain"),
  BODY_TIMEOUT(
      "bodyTimeout", Kind.SECONDS, "longest wait for a request's whole body, seconds (then 408)"),
  NATIVE_TRANSPORT("nativeTransport", Kind.BOOL, "use Linux epoll for sockets instead of Java NIO"),
  TLS_ENGINE(
      "tlsEngine",
      Kind.STRING,
      "TLS of upstream calls and the TLS listener: openssl (bundled BoringSSL) or jdk"),
  API_MAX_BODY_BYTES(
      "apiMaxBodyBytes",
      Kind.LONG,
      "largest JSON API body each way, held whole in memory (413 / 502)"),
  STREAM_WINDOW_BYTES(
      "streamWindowBytes", Kind.LONG, "bytes in flight per direction of a body between nodes"),
  WRITE_IDLE_TIMEOUT(
      "writeIdleTimeout",
      Kind.SECONDS,
      "cut off a client that reads nothing of its answer for, seconds"),
  CACHE_ENABLED(
      "cacheEnabled", Kind.BOOL, "serve cacheable GET answers from this node's RFC 9111 cache"),
  CACHE_MAX_BYTES("cacheMaxBytes", Kind.LONG, "bytes the node's response cache holds at most"),
  CACHE_MAX_OBJECT_BYTES(
      "cacheMaxObjectBytes", Kind.LONG, "largest response body the cache stores, bytes"),
  CACHE_LOCK_TIMEOUT(
      "cacheLockTimeout",
      Kind.SECONDS,
      "longest wait for an identical request already going upstream, seconds"),
  CACHE_HEURISTIC(
      "cacheHeuristic",
      Kind.FRACTION,
      "heuristic freshness as a fraction of (Date - Last-Modified); 0 = off"),
  MEMORY_PRESSURE(
      "memoryPressure",
      Kind.FRACTION,
      "heap fraction that turns keep-alive off and holds new request bodies back"),
  MEMORY_CRITICAL(
      "memoryCritical", Kind.FRACTION, "heap fraction above which new requests get 503"),
  SOCKET_BUFFER_BYTES(
      "socketBufferBytes",
      Kind.INT,
      "kernel send and receive buffer of every client and upstream socket; 0 = autotuned");

  /**
   * The seed's positional order: [port] [host] [maxConnections] [queueSize] [workers] [qt] [rt].
   */
  public static final List<Setting> POSITIONAL =
      List.of(PORT, HOST, MAX_CONNECTIONS, QUEUE_SIZE, WORKERS, QUEUE_TIMEOUT, REQUEST_TIMEOUT);

  /**
   * What a reload (SIGHUP, {@code POST /admin/reload}) may change on a running node. Every other
   * setting is read once at start-up (listener, event loops, cluster, TLS trust, DNS, log files),
   * so a reload that changes one of those is refused whole, naming the setting.
   */
  public static final java.util.Set<Setting> LIVE =
      java.util.Collections.unmodifiableSet(
          java.util.EnumSet.of(
              MAX_CONNECTIONS,
              QUEUE_SIZE,
              WORKERS,
              QUEUE_TIMEOUT,
              REQUEST_TIMEOUT,
              CONNECT_TIMEOUT,
              MAX_BODY_BYTES,
              DRAIN_TIMEOUT,
              ALLOW_DESTINATIONS,
              DENY_DESTINATIONS,
              ALLOW_CLIENTS,
              CONNECT_PORTS,
              MAX_TUNNELS,
              TUNNEL_IDLE_TIMEOUT,
              CREDENTIALS_FILE,
              RATE_LIMIT,
              RATE_BURST,
              AUTH_FAILURE_LIMIT,
              AUTH_LOCKOUT,
              AUTH_LOCKOUT_MAX,
              AUTH_VERIFY_CONCURRENCY,
              HEADER_TIMEOUT,
              LOG_LEVEL,
              SHUTDOWN_DELAY,
              BODY_TIMEOUT,
              API_MAX_BODY_BYTES,
              STREAM_WINDOW_BYTES,
              WRITE_IDLE_TIMEOUT,
              MEMORY_PRESSURE,
              MEMORY_CRITICAL,
              MAX_HEADER_COUNT,
              FORWARDED_HEADERS,
              TLS_CERT_FILE,
              TLS_KEY_FILE,
              TLS_CLIENT_AUTH,
              TLS_CLIENT_CA_FILE,
              TLS_CLIENT_IDENTITY,
              CACHE_ENABLED,
              CACHE_MAX_BYTES,
              CACHE_MAX_OBJECT_BYTES,
              CACHE_LOCK_TIMEOUT,
              CACHE_HEURISTIC));

  /** Plain decimal seconds; Java's own parser would also take "1d" or "2f". */
  private static final java.util.regex.Pattern SECONDS_SYNTAX =
      java.util.regex.Pattern.compile("[0-9]+(\\.[0-9]*)?|\\.[0-9]+");

  enum Kind {
    INT,
    LONG,
    STRING,
    SECONDS,
    /** A number from 0 to 1, written like seconds. */
    FRACTION,
    BOOL,
    /** Comma-separated in flags and env, a JSON array of strings in the file. */
    LIST,
    /** Comma-separated in flags and env, a JSON array of integers in the file. */
    PORT_LIST
  }

  private final String key;
  private final Kind kind;
  private final String help;

  Setting(String key, Kind kind, String help) {
    this.key = key;
    this.kind = kind;
    this.help = help;
  }

  public String key() {
    return key;
  }

  public String help() {
    return help;
  }

  /** True when a reload applies a new value without a restart ({@link #LIVE}). */
  public boolean live() {
    return LIVE.contains(this);
  }

  Kind kind() {
    return kind;
  }

  /** {@code queueTimeout} becomes {@code --queue-timeout}. */
  public String flag() {
    return "--" + key.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  /** {@code queueTimeout} becomes {@code PROXY_QUEUE_TIMEOUT}. */
  public String env() {
    return "PROXY_" + key.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  public static Setting byKey(String key) {
    for (Setting s : values()) {
      if (s.key.equals(key)) {
        return s;
      }
    }
    return null;
  }

  /** Turns text from a flag or the environment into the JSON value the file would hold. */
  Object parse(String raw) {
    String text = raw.trim();
    if ((kind == Kind.SECONDS || kind == Kind.FRACTION)
        && !SECONDS_SYNTAX.matcher(text).matches()) {
      throw ConfigException.invalid(key, raw, expectedType());
    }
    try {
      return switch (kind) {
        case INT -> Integer.parseInt(text);
        case LONG -> Long.parseLong(text);
        case SECONDS, FRACTION -> Double.parseDouble(text);
        case STRING -> raw;
        case BOOL -> parseBool(text);
        case LIST -> splitList(raw);
        case PORT_LIST -> portList(splitList(raw));
      };
    } catch (NumberFormatException e) {
      throw ConfigException.invalid(key, raw, expectedType());
    }
  }

  /** Checks the JSON type of a value read from the config file. */
  Object fromJson(Object value) {
    boolean integral = value instanceof Integer || value instanceof Long;
    boolean ok =
        switch (kind) {
          case INT ->
              integral
                  && ((Number) value).longValue() >= Integer.MIN_VALUE
                  && ((Number) value).longValue() <= Integer.MAX_VALUE;
          case LONG -> integral;
          case SECONDS, FRACTION -> value instanceof Number;
          case STRING -> value instanceof String;
          case BOOL -> value instanceof Boolean;
          case LIST ->
              value instanceof JsonArray a && a.stream().allMatch(String.class::isInstance);
          case PORT_LIST ->
              value instanceof JsonArray a
                  && a.stream().allMatch(e -> e instanceof Integer || e instanceof Long);
        };
    if (!ok) {
      throw ConfigException.invalid(key, value, expectedType());
    }
    return kind == Kind.INT ? (Object) ((Number) value).intValue() : value;
  }

  private Boolean parseBool(String text) {
    if (text.equalsIgnoreCase("true")) {
      return true;
    }
    if (text.equalsIgnoreCase("false")) {
      return false;
    }
    throw ConfigException.invalid(key, text, expectedType());
  }

  private String expectedType() {
    return switch (kind) {
      case INT, LONG -> "an integer";
      case SECONDS -> "a number of seconds, e.g. 30 or 0.5";
      case FRACTION -> "a fraction, e.g. 0.8";
      case STRING -> "a string";
      case BOOL -> "true or false";
      case LIST -> "a list of strings: a JSON array in the file, comma-separated elsewhere";
      case PORT_LIST -> "a list of ports: a JSON array in the file, comma-separated elsewhere";
    };
  }

  private static JsonArray splitList(String raw) {
    JsonArray out = new JsonArray();
    for (String part : raw.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  /** Integers where they parse; anything else stays text for ProxyConfig to refuse by name. */
  private static JsonArray portList(JsonArray texts) {
    JsonArray out = new JsonArray();
    for (Object o : texts) {
      try {
        out.add(Integer.parseInt((String) o));
      } catch (NumberFormatException e) {
        out.add(o);
      }
    }
    return out;
  }
}
