package io.httpsproxy.config;

import static io.httpsproxy.config.ConfigChecks.checkNotNegative;
import static io.httpsproxy.config.ConfigChecks.checkPositive;
import static io.httpsproxy.config.ConfigChecks.checkRange;
import static io.httpsproxy.config.JsonFields.bool;
import static io.httpsproxy.config.JsonFields.integer;
import static io.httpsproxy.config.JsonFields.longValue;
import static io.httpsproxy.config.JsonFields.seconds;
import static io.httpsproxy.config.JsonFields.string;
import static io.httpsproxy.config.JsonFields.toSeconds;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The node's settings, immutable and validated. Verticles receive this record, never raw JSON or
 * the environment. Defaults are named once here; {@link Setting} gives each its flag and env name.
 */
public record ProxyConfig(
    int port,
    String host,
    int maxConnections,
    int queueSize,
    int workers,
    Duration queueTimeout,
    Duration requestTimeout,
    Duration connectTimeout,
    long maxBodyBytes,
    Duration idleTimeout,
    Duration drainTimeout,
    Duration statsInterval,
    boolean vertxRequestMetrics,
    String caFile,
    String dnsServers,
    int eventLoops,
    int maxHeaderSize,
    int maxInitialLineLength,
    List<String> allowDestinations,
    List<String> denyDestinations,
    List<String> allowClients,
    List<Integer> connectPorts,
    int maxTunnels,
    Duration tunnelIdleTimeout,
    String credentialsFile,
    int rateLimit,
    int rateBurst,
    Duration headerTimeout,
    String accessLog,
    boolean accessLogPaths,
    String logLevel,
    Duration shutdownDelay,
    Duration bodyTimeout,
    boolean nativeTransport,
    String tlsEngine,
    long apiMaxBodyBytes,
    long streamWindowBytes,
    Duration writeIdleTimeout,
    int socketBufferBytes,
    HeaderRules headers,
    AuthGuardConfig authGuard,
    MemoryLimits memory,
    AdminListener admin,
    TlsListener tls,
    NodeIdentity identity,
    AppLogConfig appLog,
    ClusterConfig cluster,
    ResolverConfig resolver,
    CacheConfig cache) {

  public static final int DEFAULT_PORT = 8888;
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  public static final int DEFAULT_QUEUE_SIZE = 50_000;
  public static final int DEFAULT_WORKERS = 100;
  public static final double DEFAULT_QUEUE_TIMEOUT = 30.0;
  public static final double DEFAULT_REQUEST_TIMEOUT = 30.0;
  public static final double DEFAULT_CONNECT_TIMEOUT = 10.0;

  /** 0: no limit. Bodies stream, so their size costs no memory: the limit is policy only. */
  public static final long DEFAULT_MAX_BODY_BYTES = 0;

  /** The JSON API holds its bodies whole (they travel inside JSON): 10 MiB each way. */
  public static final long DEFAULT_API_MAX_BODY_BYTES = 10L * 1024 * 1024;

  /** Bytes in flight per direction of a body that crosses nodes: 4 chunks of 64 KiB. */
  public static final long DEFAULT_STREAM_WINDOW_BYTES = 256 * 1024;

  /** A client that reads nothing of its answer for this long is cut off. */
  public static final double DEFAULT_WRITE_IDLE_TIMEOUT = 30.0;

  /**
   * SO_SNDBUF / SO_RCVBUF of the proxy's sockets (Linux doubles it). Left to autotuning, a loopback
   * socket grew to 32 MiB of receive buffer, so a paused reader did not pause its upstream until
   * some 60 MB sat in kernel buffers; 256 KiB keeps what a slow reader parks there to about 1 MiB
   * per exchange and still fills 10 MB/s at a 50 ms round trip.
   */
  public static final int DEFAULT_SOCKET_BUFFER_BYTES = 256 * 1024;

  public static final double DEFAULT_IDLE_TIMEOUT = 60.0;
  public static final double DEFAULT_DRAIN_TIMEOUT = 30.0;
  public static final double DEFAULT_STATS_INTERVAL = 60.0;

  /**
   * Vert.x's own per-request meters (vertx_http_server_*, vertx_http_client_*, vertx_eventbus_*)
   * cost about 8 % of the CPU of a 1 KiB request (async-profiler); the proxy_* meters already count
   * requests, queue waits and upstream calls, so they are off unless asked for.
   */
  public static final boolean DEFAULT_VERTX_REQUEST_METRICS = false;

  public static final String DEFAULT_CA_FILE = "";
  public static final String DEFAULT_DNS_SERVERS = "";
  public static final int DEFAULT_EVENT_LOOPS = Runtime.getRuntime().availableProcessors();
  public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
  public static final int DEFAULT_MAX_INITIAL_LINE_LENGTH = 8192;

  /** Nothing beyond the public internet: the default-denied ranges stay closed. */
  public static final List<String> DEFAULT_ALLOW_DESTINATIONS = List.of();

  public static final List<String> DEFAULT_DENY_DESTINATIONS = List.of();

  /** Loopback and private ranges, so binding 0.0.0.0 does not make an open proxy. */
  public static final List<String> DEFAULT_ALLOW_CLIENTS =
      List.of(
          "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");

  public static final List<Integer> DEFAULT_CONNECT_PORTS = List.of(443);
  public static final int DEFAULT_MAX_TUNNELS = 1000;
  public static final double DEFAULT_TUNNEL_IDLE_TIMEOUT = 300.0;

  /** No file: no authentication (allowClients is then the only gate). */
  public static final String DEFAULT_CREDENTIALS_FILE = "";

  /** Rate limiting is off unless asked for. */
  public static final int DEFAULT_RATE_LIMIT = 0;

  /** 0: a burst of one second's worth of requests. */
  public static final int DEFAULT_RATE_BURST = 0;

  /** Long enough for a slow mobile client, short enough that slowloris holds few connections. */
  public static final double DEFAULT_HEADER_TIMEOUT = 10.0;

  public static final String DEFAULT_ACCESS_LOG = "stdout";
  public static final boolean DEFAULT_ACCESS_LOG_PATHS = false;
  public static final String DEFAULT_LOG_LEVEL = "INFO";

  /** 0: drain at once. Behind a load balancer: longer than its health-check interval x failures. */
  public static final double DEFAULT_SHUTDOWN_DELAY = 0.0;

  /**
   * The whole request body, streamed or not: 100 MiB in 30 s needs ~3.5 MB/s; raise for slow
   * uploads.
   */
  public static final double DEFAULT_BODY_TIMEOUT = 30.0;

  /** NIO: epoll measured no faster at 1 KiB / 64 keep-alive connections (bench/RESULTS.md). */
  public static final boolean DEFAULT_NATIVE_TRANSPORT = false;

  /** BoringSSL where it loads: 3.2x the JDK's requests/s when every call needs a handshake. */
  public static final String DEFAULT_TLS_ENGINE = "openssl";

  public static final List<String> TLS_ENGINES = List.of("openssl", "jdk");

  /** Levels of the application log, most to least severe (logback's names). */
  public static final List<String> LOG_LEVELS =
      List.of("OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE");

  /** Upper bounds that catch typos (an extra zero) rather than limit real deployments. */
  private static final int MAX_COUNT = 10_000_000;

  /** 1 PiB: streamed bodies have no memory ceiling, so this only catches typos. */
  private static final long MAX_BYTES = 1L << 50;

  /**
   * The API's bodies are whole in memory and base64 in one JSON string (Java's 2 GiB array cap).
   */
  private static final long MAX_API_BYTES = 1L << 30;

  public ProxyConfig {
    TlsListener.checkPlainPort(port, tls);
    if (host == null || host.isBlank()) {
      throw ConfigException.invalid("host", host, "an address to bind, e.g. 0.0.0.0");
    }
    checkRange("maxConnections", maxConnections, 1, MAX_COUNT);
    checkRange("queueSize", queueSize, 1, MAX_COUNT);
    checkRange("workers", workers, 1, MAX_COUNT);
    checkPositive("queueTimeout", queueTimeout);
    checkPositive("requestTimeout", requestTimeout);
    checkPositive("connectTimeout", connectTimeout);
    checkRange("maxBodyBytes", maxBodyBytes, 0, MAX_BYTES);
    checkRange("apiMaxBodyBytes", apiMaxBodyBytes, 1, MAX_API_BYTES);
    checkRange("streamWindowBytes", streamWindowBytes, 64 * 1024, 64L * 1024 * 1024);
    checkPositive("writeIdleTimeout", writeIdleTimeout);
    if (socketBufferBytes != 0) {
      checkRange("socketBufferBytes", socketBufferBytes, 4096, 64 * 1024 * 1024);
    }
    checkNotNegative("idleTimeout", idleTimeout);
    checkNotNegative("drainTimeout", drainTimeout);
    checkPositive("statsInterval", statsInterval);
    caFile = caFile == null ? "" : caFile;
    ConfigChecks.caFile(caFile);
    dnsServers = dnsServers == null ? "" : dnsServers.trim();
    ConfigChecks.dnsServers(dnsServers);
    checkRange("eventLoops", eventLoops, 1, 1024);
    checkRange("maxHeaderSize", maxHeaderSize, 1024, 1024 * 1024);
    checkRange("maxInitialLineLength", maxInitialLineLength, 256, 1024 * 1024);
    allowDestinations = List.copyOf(allowDestinations);
    denyDestinations = List.copyOf(denyDestinations);
    allowClients = List.copyOf(allowClients);
    connectPorts = List.copyOf(connectPorts);
    ConfigChecks.destinations("allowDestinations", allowDestinations);
    ConfigChecks.destinations("denyDestinations", denyDestinations);
    ConfigChecks.cidrs("allowClients", allowClients);
    for (int p : connectPorts) {
      checkRange("connectPorts", p, 1, 65535);
    }
    checkRange("maxTunnels", maxTunnels, 0, MAX_COUNT);
    checkPositive("tunnelIdleTimeout", tunnelIdleTimeout);
    credentialsFile = credentialsFile == null ? "" : credentialsFile.trim();
    if (!credentialsFile.isEmpty()) {
      CredentialsFile.read(Path.of(credentialsFile));
    }
    checkRange("rateLimit", rateLimit, 0, MAX_COUNT);
    checkRange("rateBurst", rateBurst, 0, MAX_COUNT);
    checkPositive("headerTimeout", headerTimeout);
    accessLog = accessLog == null || accessLog.isBlank() ? DEFAULT_ACCESS_LOG : accessLog.trim();
    logLevel =
        logLevel == null ? DEFAULT_LOG_LEVEL : logLevel.trim().toUpperCase(java.util.Locale.ROOT);
    checkNotNegative("shutdownDelay", shutdownDelay);
    checkPositive("bodyTimeout", bodyTimeout);
    ConfigChecks.oneOf("logLevel", logLevel, LOG_LEVELS);
    tlsEngine =
        tlsEngine == null
            ? DEFAULT_TLS_ENGINE
            : tlsEngine.trim().toLowerCase(java.util.Locale.ROOT);
    ConfigChecks.oneOf("tlsEngine", tlsEngine, TLS_ENGINES);
  }

  public static ProxyConfig defaults() {
    return fromJson(new JsonObject());
  }

  /** Reads the file format (camelCase keys, seconds as numbers); missing keys take defaults. */
  public static ProxyConfig fromJson(JsonObject j) {
    return new ProxyConfig(
        integer(j, "port", DEFAULT_PORT),
        string(j, "host", DEFAULT_HOST),
        integer(j, "maxConnections", DEFAULT_MAX_CONNECTIONS),
        integer(j, "queueSize", DEFAULT_QUEUE_SIZE),
        integer(j, "workers", DEFAULT_WORKERS),
        seconds(j, "queueTimeout", DEFAULT_QUEUE_TIMEOUT),
        seconds(j, "requestTimeout", DEFAULT_REQUEST_TIMEOUT),
        seconds(j, "connectTimeout", DEFAULT_CONNECT_TIMEOUT),
        longValue(j, "maxBodyBytes", DEFAULT_MAX_BODY_BYTES),
        seconds(j, "idleTimeout", DEFAULT_IDLE_TIMEOUT),
        seconds(j, "drainTimeout", DEFAULT_DRAIN_TIMEOUT),
        seconds(j, "statsInterval", DEFAULT_STATS_INTERVAL),
        bool(j, "vertxRequestMetrics", DEFAULT_VERTX_REQUEST_METRICS),
        string(j, "caFile", DEFAULT_CA_FILE),
        string(j, "dnsServers", DEFAULT_DNS_SERVERS),
        integer(j, "eventLoops", DEFAULT_EVENT_LOOPS),
        integer(j, "maxHeaderSize", DEFAULT_MAX_HEADER_SIZE),
        integer(j, "maxInitialLineLength", DEFAULT_MAX_INITIAL_LINE_LENGTH),
        ConfigChecks.strings(j, "allowDestinations", DEFAULT_ALLOW_DESTINATIONS),
        ConfigChecks.strings(j, "denyDestinations", DEFAULT_DENY_DESTINATIONS),
        ConfigChecks.strings(j, "allowClients", DEFAULT_ALLOW_CLIENTS),
        ConfigChecks.ports(j, "connectPorts", DEFAULT_CONNECT_PORTS),
        integer(j, "maxTunnels", DEFAULT_MAX_TUNNELS),
        seconds(j, "tunnelIdleTimeout", DEFAULT_TUNNEL_IDLE_TIMEOUT),
        string(j, "credentialsFile", DEFAULT_CREDENTIALS_FILE),
        integer(j, "rateLimit", DEFAULT_RATE_LIMIT),
        integer(j, "rateBurst", DEFAULT_RATE_BURST),
        seconds(j, "headerTimeout", DEFAULT_HEADER_TIMEOUT),
        string(j, "accessLog", DEFAULT_ACCESS_LOG),
        bool(j, "accessLogPaths", DEFAULT_ACCESS_LOG_PATHS),
        string(j, "logLevel", DEFAULT_LOG_LEVEL),
        seconds(j, "shutdownDelay", DEFAULT_SHUTDOWN_DELAY),
        seconds(j, "bodyTimeout", DEFAULT_BODY_TIMEOUT),
        bool(j, "nativeTransport", DEFAULT_NATIVE_TRANSPORT),
        string(j, "tlsEngine", DEFAULT_TLS_ENGINE),
        longValue(j, "apiMaxBodyBytes", DEFAULT_API_MAX_BODY_BYTES),
        longValue(j, "streamWindowBytes", DEFAULT_STREAM_WINDOW_BYTES),
        seconds(j, "writeIdleTimeout", DEFAULT_WRITE_IDLE_TIMEOUT),
        integer(j, "socketBufferBytes", DEFAULT_SOCKET_BUFFER_BYTES),
        HeaderRules.fromJson(j),
        AuthGuardConfig.fromJson(j),
        MemoryLimits.fromJson(j),
        AdminListener.fromJson(j),
        TlsListener.fromJson(j),
        NodeIdentity.fromJson(j),
        AppLogConfig.fromJson(j),
        ClusterConfig.fromJson(j),
        ResolverConfig.fromJson(j),
        CacheConfig.fromJson(j));
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("port", port)
            .put("host", host)
            .put("maxConnections", maxConnections)
            .put("queueSize", queueSize)
            .put("workers", workers)
            .put("queueTimeout", toSeconds(queueTimeout))
            .put("requestTimeout", toSeconds(requestTimeout))
            .put("connectTimeout", toSeconds(connectTimeout))
            .put("maxBodyBytes", maxBodyBytes)
            .put("idleTimeout", toSeconds(idleTimeout))
            .put("drainTimeout", toSeconds(drainTimeout))
            .put("statsInterval", toSeconds(statsInterval))
            .put("vertxRequestMetrics", vertxRequestMetrics)
            .put("caFile", caFile)
            .put("dnsServers", dnsServers)
            .put("eventLoops", eventLoops)
            .put("maxHeaderSize", maxHeaderSize)
            .put("maxInitialLineLength", maxInitialLineLength)
            .put("allowDestinations", new JsonArray(new ArrayList<>(allowDestinations)))
            .put("denyDestinations", new JsonArray(new ArrayList<>(denyDestinations)))
            .put("allowClients", new JsonArray(new ArrayList<>(allowClients)))
            .put("connectPorts", new JsonArray(new ArrayList<>(connectPorts)))
            .put("maxTunnels", maxTunnels)
            .put("tunnelIdleTimeout", toSeconds(tunnelIdleTimeout))
            .put("credentialsFile", credentialsFile)
            .put("rateLimit", rateLimit)
            .put("rateBurst", rateBurst)
            .put("headerTimeout", toSeconds(headerTimeout))
            .put("accessLog", accessLog)
            .put("accessLogPaths", accessLogPaths)
            .put("logLevel", logLevel)
            .put("shutdownDelay", toSeconds(shutdownDelay))
            .put("bodyTimeout", toSeconds(bodyTimeout))
            .put("nativeTransport", nativeTransport)
            .put("tlsEngine", tlsEngine)
            .put("apiMaxBodyBytes", apiMaxBodyBytes)
            .put("streamWindowBytes", streamWindowBytes)
            .put("writeIdleTimeout", toSeconds(writeIdleTimeout))
            .put("socketBufferBytes", socketBufferBytes);
    headers.putInto(json);
    authGuard.putInto(json);
    memory.putInto(json);
    admin.putInto(json);
    tls.putInto(json);
    identity.putInto(json);
    appLog.putInto(json);
    cluster.putInto(json);
    resolver.putInto(json);
    cache.putInto(json);
    return json;
  }

  /** A copy with other values for some keys, validated like any config. */
  public ProxyConfig with(JsonObject overrides) {
    return fromJson(toJson().mergeIn(overrides));
  }

  /** The DNS servers as host:port entries; empty means the system's resolv.conf. */
  public List<String> dnsServerList() {
    if (dnsServers.isEmpty()) {
      return List.of();
    }
    return Arrays.stream(dnsServers.split(",")).map(String::trim).toList();
  }

  /** Tokens a client may spend at once: rateBurst, or one second's worth when 0. */
  public int effectiveRateBurst() {
    return rateBurst > 0 ? rateBurst : Math.max(1, rateLimit);
  }

  /**
   * The JSON API's limit on each body: apiMaxBodyBytes, or maxBodyBytes when that is set and
   * smaller (the policy limit holds for every kind of request).
   */
  public long apiBodyLimit() {
    return maxBodyBytes > 0 ? Math.min(maxBodyBytes, apiMaxBodyBytes) : apiMaxBodyBytes;
  }

  public boolean authEnabled() {
    return !credentialsFile.isEmpty();
  }

  /** The node's one name (metrics, logs, stats, dashboard); see {@link NodeIdentity}. */
  public String nodeName() {
    return identity.nodeName();
  }

  public boolean hasCaFile() {
    return !caFile.isEmpty();
  }
}
