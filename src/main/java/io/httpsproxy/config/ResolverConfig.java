package io.httpsproxy.config;

import java.time.Duration;

/**
 * How upstream names are resolved (flat keys in the config file, like every other setting); both
 * are read once at start-up, with the resolvers they configure.
 *
 * @param queryTimeout how long the resolver waits for one DNS server to answer; a lookup that no
 *     server answered within it is 504 UPSTREAM_DNS_TIMEOUT
 * @param negativeTtl longest a failed lookup (NXDOMAIN, no address, SERVFAIL, REFUSED) is
 *     remembered; the SOA minimum of the answer wins when lower (RFC 2308); 0 = never remembered
 */
public record ResolverConfig(Duration queryTimeout, Duration negativeTtl) {
  /** Long enough for a distant resolver, short enough that a dead one costs one visible delay. */
  public static final double DEFAULT_DNS_QUERY_TIMEOUT = 2.0;

  /**
   * Short: a name that starts to exist is served within seconds, yet a client repeating a typo
   * costs one lookup per 5 s rather than two queries (A and AAAA) per request.
   */
  public static final double DEFAULT_DNS_NEGATIVE_TTL = 5.0;

  public ResolverConfig {
    if (queryTimeout.compareTo(Duration.ofMillis(50)) < 0
        || queryTimeout.compareTo(Duration.ofSeconds(60)) > 0) {
      throw ConfigException.invalid(
          "dnsQueryTimeout", JsonFields.toSeconds(queryTimeout), ">= 0.05 and <= 60 seconds");
    }
    if (negativeTtl.isNegative() || negativeTtl.compareTo(Duration.ofHours(1)) > 0) {
      throw ConfigException.invalid(
          "dnsNegativeTtl", JsonFields.toSeconds(negativeTtl), ">= 0 and <= 3600 seconds");
    }
  }

  static ResolverConfig fromJson(io.vertx.core.json.JsonObject j) {
    return new ResolverConfig(
        JsonFields.seconds(j, "dnsQueryTimeout", DEFAULT_DNS_QUERY_TIMEOUT),
        JsonFields.seconds(j, "dnsNegativeTtl", DEFAULT_DNS_NEGATIVE_TTL));
  }

  void putInto(io.vertx.core.json.JsonObject j) {
    j.put("dnsQueryTimeout", JsonFields.toSeconds(queryTimeout))
        .put("dnsNegativeTtl", JsonFields.toSeconds(negativeTtl));
  }
}
