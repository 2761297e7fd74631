package io.httpsproxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The TLS listener beside the plain one: the same proxy, API and admin routes behind TLS 1.2 or 1.3
 * (ALPN http/1.1), optionally with client certificates as identities. The port, the address and the
 * watch period are read at start-up; the files and the client-certificate rules are live: a reload
 * (SIGHUP, {@code /admin/reload}, a change on disk) re-reads them and new handshakes use them.
 *
 * @param port the TLS port; -1 = no TLS listener, 0 = pick a free one
 * @param host the address it binds; empty = the plain listener's {@code host}
 * @param certFile PEM certificate chain, leaf first
 * @param keyFile PEM private key of the leaf (PKCS#8, or PKCS#1 RSA / SEC1 EC), unencrypted
 * @param clientAuth none, request (verify a certificate when one is sent) or require
 * @param clientCaFile PEM CAs that client certificates must chain to; needed unless none
 * @param clientIdentity with a credentials file: either (a verified certificate or credentials) or
 *     both (a verified certificate and credentials; the user is the credentials' name)
 * @param watchInterval how often the files are checked for changes on disk; 0 = never
 */
public record TlsListener(
    int port,
    String host,
    String certFile,
    String keyFile,
    String clientAuth,
    String clientCaFile,
    String clientIdentity,
    Duration watchInterval) {
  public static final int DEFAULT_PORT = -1;
  public static final String DEFAULT_HOST = "";
  public static final String DEFAULT_CLIENT_AUTH = "none";
  public static final String DEFAULT_CLIENT_IDENTITY = "either";

  /**
   * mtime and size of three files every 5 s: nothing measurable, and a renewal lands within 5 s.
   */
  public static final double DEFAULT_WATCH_INTERVAL = 5.0;

  public static final List<String> CLIENT_AUTH = List.of("none", "request", "require");
  public static final List<String> CLIENT_IDENTITY = List.of("either", "both");

  public TlsListener {
    ConfigChecks.checkRange("tlsPort", port, -1, 65_535);
    host = host == null ? DEFAULT_HOST : host.trim();
    certFile = certFile == null ? "" : certFile.trim();
    keyFile = keyFile == null ? "" : keyFile.trim();
    clientCaFile = clientCaFile == null ? "" : clientCaFile.trim();
    clientAuth = lower(clientAuth, DEFAULT_CLIENT_AUTH);
    clientIdentity = lower(clientIdentity, DEFAULT_CLIENT_IDENTITY);
    ConfigChecks.oneOf("tlsClientAuth", clientAuth, CLIENT_AUTH);
    ConfigChecks.oneOf("tlsClientIdentity", clientIdentity, CLIENT_IDENTITY);
    if (port >= 0) {
      if (certFile.isEmpty()) {
        throw ConfigException.invalid("tlsCertFile", certFile, "a PEM file, since tlsPort is set");
      }
      if (keyFile.isEmpty()) {
        throw ConfigException.invalid("tlsKeyFile", keyFile, "a PEM file, since tlsPort is set");
      }
      if (!clientAuth.equals("none") && clientCaFile.isEmpty()) {
        throw ConfigException.invalid(
            "tlsClientCaFile",
            clientCaFile,
            "a PEM file of CAs, since tlsClientAuth is " + clientAuth);
      }
    }
  }

  /** The plain listener's {@code port}: -1 (off) only with a TLS listener on. */
  static void checkPlainPort(int port, TlsListener tls) {
    ConfigChecks.checkRange("port", port, -1, 65_535);
    if (port < 0 && (tls == null || !tls.enabled())) {
      throw ConfigException.invalid("port", port, ">= 0, or a tlsPort: at least one listener");
    }
  }

  /**
   * {@code others} (the cluster's ports) plus a fixed tlsPort: the node's ports known before it
   * listens, never destinations on its own addresses.
   */
  public java.util.Set<Integer> withOwnPort(java.util.Set<Integer> others) {
    java.util.Set<Integer> ports = new java.util.HashSet<>(others);
    if (port > 0) {
      ports.add(port);
    }
    return ports;
  }

  /** Reads and checks the files now, so a start, a reload and {@code check} refuse broken ones. */
  TlsListener checked() {
    if (enabled()) {
      TlsMaterial.read(this);
    }
    return this;
  }

  public boolean enabled() {
    return port >= 0;
  }

  /** The address to bind: {@code host}, or the plain listener's when empty. */
  public String bindHost(String plainHost) {
    return host.isEmpty() ? plainHost : host;
  }

  public boolean wantsClientCert() {
    return !clientAuth.equals("none");
  }

  /** With a credentials file, a certificate alone is not enough: credentials are needed too. */
  public boolean bothRequired() {
    return clientIdentity.equals("both");
  }

  static TlsListener fromJson(io.vertx.core.json.JsonObject j) {
    return new TlsListener(
            JsonFields.integer(j, "tlsPort", DEFAULT_PORT),
            JsonFields.string(j, "tlsHost", DEFAULT_HOST),
            JsonFields.string(j, "tlsCertFile", ""),
            JsonFields.string(j, "tlsKeyFile", ""),
            JsonFields.string(j, "tlsClientAuth", DEFAULT_CLIENT_AUTH),
            JsonFields.string(j, "tlsClientCaFile", ""),
            JsonFields.string(j, "tlsClientIdentity", DEFAULT_CLIENT_IDENTITY),
            JsonFields.seconds(j, "tlsWatchInterval", DEFAULT_WATCH_INTERVAL))
        .checked();
  }

  void putInto(io.vertx.core.json.JsonObject j) {
    j.put("tlsPort", port)
        .put("tlsHost", host)
        .put("tlsCertFile", certFile)
        .put("tlsKeyFile", keyFile)
        .put("tlsClientAuth", clientAuth)
        .put("tlsClientCaFile", clientCaFile)
        .put("tlsClientIdentity", clientIdentity)
        .put("tlsWatchInterval", JsonFields.toSeconds(watchInterval));
  }

  private static String lower(String v, String dflt) {
    return v == null || v.isBlank() ? dflt : v.trim().toLowerCase(Locale.ROOT);
  }
}
