package io.httpsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The config record: JSON round trip, fractional seconds, and validation of every copy. */
class ProxyConfigTest {
  /** A real certificate and key, since a TLS listener's files are read as the config is built. */
  private static final io.httpsproxy.testing.TestCa.ServerCert TLS = tlsCert();

  private static io.httpsproxy.testing.TestCa.ServerCert tlsCert() {
    try {
      return io.httpsproxy.testing.TestCa.create("config-test").issue("proxy");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject everythingChanged() {
    return new JsonObject()
        .put("port", 0)
        .put("host", "127.0.0.1")
        .put("maxConnections", 11)
        .put("queueSize", 12)
        .put("workers", 13)
        .put("queueTimeout", 0.25)
        .put("requestTimeout", 1.5)
        .put("connectTimeout", 0.125)
        .put("maxBodyBytes", 1024L)
        .put("idleTimeout", 0.0)
        .put("drainTimeout", 2.75)
        .put("statsInterval", 0.5)
        .put("caFile", "")
        .put("dnsServers", "10.0.0.1:53,10.0.0.2:5353")
        .put("eventLoops", 3)
        .put("maxHeaderSize", 2048)
        .put("maxInitialLineLength", 512)
        .put("nodeName", "edge-3")
        .put("cluster", true)
        .put("clusterName", "prod-1")
        .put("clusterMembers", "10.0.0.1:5701,10.0.0.2")
        .put("clusterHost", "10.0.0.3")
        .put("clusterPort", 5801)
        .put("clusterPublicHost", "proxy-3.internal")
        .put("eventBusPort", 5901)
        .put("clusterConfig", "/etc/https-proxy/cluster.xml")
        .put("allowDestinations", new JsonArray().add("10.1.0.0/16").add("*.corp.example"))
        .put("denyDestinations", new JsonArray().add("203.0.113.7/32").add("evil.example"))
        .put("allowClients", new JsonArray().add("10.0.0.0/8"))
        .put("connectPorts", new JsonArray().add(443).add(8443))
        .put("maxTunnels", 5)
        .put("tunnelIdleTimeout", 12.5)
        .put("credentialsFile", "")
        .put("rateLimit", 20)
        .put("rateBurst", 40)
        .put("headerTimeout", 3.5)
        .put("accessLog", "off")
        .put("accessLogPaths", true)
        .put("logLevel", "DEBUG")
        .put("logFormat", "json")
        .put("shutdownDelay", 1.25)
        .put("bodyTimeout", 4.5)
        .put("nativeTransport", true)
        .put("vertxRequestMetrics", true)
        .put("tlsEngine", "jdk")
        .put("apiMaxBodyBytes", 4096L)
        .put("streamWindowBytes", 131072L)
        .put("writeIdleTimeout", 7.5)
        .put("memoryPressure", 0.5)
        .put("memoryCritical", 0.75)
        .put("socketBufferBytes", 65536)
        .put("maxHeaderCount", 50)
        .put("forwardedHeaders", "append")
        .put("authFailureLimit", 5)
        .put("authLockout", 0.5)
        .put("authLockoutMax", 60.0)
        .put("authVerifyConcurrency", 3)
        .put("adminPort", 9901)
        .put("adminHost", "127.0.0.3")
        .put("adminOnProxyPort", false)
        .put("dnsQueryTimeout", 0.75)
        .put("dnsNegativeTtl", 30.0)
        .put("tlsPort", 8443)
        .put("tlsHost", "127.0.0.4")
        .put("tlsCertFile", TLS.certPem().toString())
        .put("tlsKeyFile", TLS.keyPem().toString())
        .put("tlsClientAuth", "require")
        .put("tlsClientCaFile", TLS.certPem().toString())
        .put("tlsClientIdentity", "both")
        .put("tlsWatchInterval", 2.5)
        .put("cacheEnabled", true)
        .put("cacheMaxBytes", 1048576L)
        .put("cacheMaxObjectBytes", 65536L)
        .put("cacheLockTimeout", 2.5)
        .put("cacheHeuristic", 0.1);
  }

  @Test
  void resolverSettingsAreTypedAndBounded() {
    ResolverConfig r = ProxyConfig.defaults().resolver();
    assertEquals(java.time.Duration.ofSeconds(2), r.queryTimeout());
    assertEquals(java.time.Duration.ofSeconds(5), r.negativeTtl());
    assertEquals(
        java.time.Duration.ZERO,
        ProxyConfig.fromJson(new JsonObject().put("dnsNegativeTtl", 0)).resolver().negativeTtl());
    ConfigException tooShort =
        assertThrows(
            ConfigException.class,
            () -> ProxyConfig.fromJson(new JsonObject().put("dnsQueryTimeout", 0.01)));
    assertEquals(
        "dnsQueryTimeout: 0.01 (expected: >= 0.05 and <= 60 seconds)", tooShort.getMessage());
    ConfigException tooLong =
        assertThrows(
            ConfigException.class,
            () -> ProxyConfig.fromJson(new JsonObject().put("dnsNegativeTtl", 7200)));
    assertEquals(
        "dnsNegativeTtl: 7200.0 (expected: >= 0 and <= 3600 seconds)", tooLong.getMessage());
  }

  @Test
  void logLevelIsOneOfLogbacksAndCaseDoesNotMatter() {
    assertEquals(
        "WARN", ProxyConfig.fromJson(new JsonObject().put("logLevel", " warn ")).logLevel());
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ProxyConfig.fromJson(new JsonObject().put("logLevel", "LOUD")));
    assertEquals(
        "logLevel: 'LOUD' (expected: one of OFF, ERROR, WARN, INFO, DEBUG, TRACE)", e.getMessage());
  }

  @Test
  void tlsEngineIsOpensslOrJdk() {
    assertEquals("openssl", ProxyConfig.defaults().tlsEngine());
    assertEquals(
        "jdk", ProxyConfig.fromJson(new JsonObject().put("tlsEngine", " JDK ")).tlsEngine());
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ProxyConfig.fromJson(new JsonObject().put("tlsEngine", "gnutls")));
    assertEquals("tlsEngine: 'gnutls' (expected: one of openssl, jdk)", e.getMessage());
  }

  @Test
  void authGuardSettingsHaveTheirDefaultsAndAreChecked() {
    AuthGuardConfig d = ProxyConfig.defaults().authGuard();
    assertEquals(10, d.failureLimit());
    assertEquals(Duration.ofSeconds(1), d.lockout());
    assertEquals(Duration.ofSeconds(300), d.lockoutMax());
    assertEquals(
        Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
        d.effectiveVerifyConcurrency());
    assertEquals(
        4,
        ProxyConfig.fromJson(new JsonObject().put("authVerifyConcurrency", 4))
            .authGuard()
            .effectiveVerifyConcurrency());
    ConfigException limit =
        assertThrows(
            ConfigException.class,
            () -> ProxyConfig.fromJson(new JsonObject().put("authFailureLimit", 0)));
    assertEquals("authFailureLimit: 0 (expected: >= 1 and <= 1000000)", limit.getMessage());
    ConfigException max =
        assertThrows(
            ConfigException.class,
            () ->
                ProxyConfig.fromJson(
                    new JsonObject().put("authLockout", 10.0).put("authLockoutMax", 5.0)));
    assertEquals("authLockoutMax: 5.0 (expected: >= authLockout (10.0 seconds))", max.getMessage());
    assertThrows(
        ConfigException.class,
        () -> ProxyConfig.fromJson(new JsonObject().put("authLockout", 0.0)));
    assertThrows(
        ConfigException.class,
        () -> ProxyConfig.fromJson(new JsonObject().put("authVerifyConcurrency", -1)));
  }

  @Test
  void defaultsRoundTripThroughJson() {
    ProxyConfig defaults = ProxyConfig.defaults();

    assertEquals(defaults, ProxyConfig.fromJson(defaults.toJson()));
  }

  @Test
  void everyFieldRoundTripsThroughJson() {
    ProxyConfig c = ProxyConfig.fromJson(everythingChanged());

    assertEquals(c, ProxyConfig.fromJson(c.toJson()));
    assertEquals(everythingChanged(), c.toJson());
    assertNotEquals(ProxyConfig.defaults(), c);
  }

  @Test
  void toJsonHasOneKeyPerSetting() {
    JsonObject json = ProxyConfig.defaults().toJson();

    assertEquals(Setting.values().length, json.size());
    for (Setting s : Setting.values()) {
      assertEquals(true, json.containsKey(s.key()), s.key());
    }
  }

  @Test
  void durationsKeepFractionsOfASecond() {
    ProxyConfig c =
        ProxyConfig.fromJson(
            new JsonObject()
                .put("queueTimeout", 0.25)
                .put("requestTimeout", 0.001)
                .put("connectTimeout", 2.5));

    assertEquals(Duration.ofMillis(250), c.queueTimeout());
    assertEquals(Duration.ofMillis(1), c.requestTimeout());
    assertEquals(Duration.ofMillis(2500), c.connectTimeout());
    assertEquals(0.25, c.toJson().getDouble("queueTimeout"));
    assertEquals(0.001, c.toJson().getDouble("requestTimeout"));
  }

  @Test
  void integerSecondsAreAcceptedToo() {
    ProxyConfig c = ProxyConfig.fromJson(new JsonObject().put("queueTimeout", 2));

    assertEquals(Duration.ofSeconds(2), c.queueTimeout());
  }

  @Test
  void withChangesOnlyTheNamedKeys() {
    ProxyConfig base = ProxyConfig.defaults();

    ProxyConfig changed = base.with(new JsonObject().put("workers", 5).put("queueTimeout", 0.5));

    assertEquals(5, changed.workers());
    assertEquals(Duration.ofMillis(500), changed.queueTimeout());
    JsonObject expected = base.toJson().put("workers", 5).put("queueTimeout", 0.5);
    assertEquals(expected, changed.toJson());
    assertEquals(ProxyConfig.DEFAULT_WORKERS, base.workers(), "the original is unchanged");
  }

  @Test
  void withValidatesTheNewValues() {
    ProxyConfig base = ProxyConfig.defaults();

    ConfigException queue =
        assertThrows(ConfigException.class, () -> base.with(new JsonObject().put("queueSize", 0)));
    ConfigException timeout =
        assertThrows(
            ConfigException.class, () -> base.with(new JsonObject().put("queueTimeout", -0.5)));
    ConfigException port =
        assertThrows(ConfigException.class, () -> base.with(new JsonObject().put("port", -1)));

    assertEquals("queueSize: 0 (expected: >= 1 and <= 10000000)", queue.getMessage());
    assertEquals("queueTimeout: -0.5 (expected: >= 0 and <= 86400 seconds)", timeout.getMessage());
    assertEquals(
        "port: -1 (expected: >= 0, or a tlsPort: at least one listener)", port.getMessage());
  }

  @Test
  void withRejectsNonNumericSecondsWithConfigException() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ProxyConfig.defaults().with(new JsonObject().put("requestTimeout", "30")));

    assertEquals("requestTimeout: '30' (expected: a number of seconds)", e.getMessage());
  }

  /** BUG: integer keys are read with getInteger, so a wrong type escapes as ClassCastException. */
  @Test
  void withRejectsAnIntegerSettingOfTheWrongTypeWithConfigException() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ProxyConfig.defaults().with(new JsonObject().put("port", "8080")));

    assertEquals(true, e.getMessage().startsWith("port: '8080' (expected: "), e.getMessage());
  }

  @Test
  void sizeLimitsAreBounded() {
    ProxyConfig base = ProxyConfig.defaults();

    assertThrows(
        ConfigException.class, () -> base.with(new JsonObject().put("maxHeaderSize", 1023)));
    assertThrows(
        ConfigException.class, () -> base.with(new JsonObject().put("maxInitialLineLength", 255)));
    assertThrows(ConfigException.class, () -> base.with(new JsonObject().put("eventLoops", 0)));
    assertThrows(ConfigException.class, () -> base.with(new JsonObject().put("maxBodyBytes", -1L)));
    assertEquals(0L, base.with(new JsonObject().put("maxBodyBytes", 0L)).maxBodyBytes());
  }

  @Test
  void missingCaFileAndDnsServersMeanNone() {
    ProxyConfig c =
        ProxyConfig.fromJson(new JsonObject().putNull("caFile").put("dnsServers", "  "));

    assertEquals("", c.caFile());
    assertEquals(false, c.hasCaFile());
    assertEquals("", c.dnsServers());
    assertEquals(List.of(), c.dnsServerList());
  }
}
