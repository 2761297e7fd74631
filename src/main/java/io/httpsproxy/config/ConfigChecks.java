package io.httpsproxy.config;

import io.httpsproxy.security.DestinationRule;
import io.httpsproxy.security.IpAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading and checking settings: ranges, lists (destination rules, client CIDRs, ports), choices
 * from a fixed set, DNS servers and the CA file.
 */
final class ConfigChecks {
  private ConfigChecks() {}

  static List<String> strings(JsonObject j, String key, List<String> dflt) {
    Object v = j.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof JsonArray a)) {
      throw ConfigException.invalid(key, v, "a JSON array of strings");
    }
    List<String> out = new ArrayList<>();
    for (Object e : a) {
      if (!(e instanceof String s)) {
        throw ConfigException.invalid(key, e, "a string");
      }
      out.add(s.trim());
    }
    return out;
  }

  static List<Integer> ports(JsonObject j, String key, List<Integer> dflt) {
    Object v = j.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof JsonArray a)) {
      throw ConfigException.invalid(key, v, "a JSON array of ports");
    }
    List<Integer> out = new ArrayList<>();
    for (Object e : a) {
      if (!(e instanceof Integer || e instanceof Long)) {
        throw ConfigException.invalid(key, e, "a port 1-65535");
      }
      long p = ((Number) e).longValue();
      if (p < 1 || p > 65535) {
        throw ConfigException.invalid(key, e, "a port 1-65535");
      }
      out.add((int) p);
    }
    return out;
  }

  static void destinations(String key, List<String> entries) {
    for (String e : entries) {
      try {
        DestinationRule.parse(e);
      } catch (IllegalArgumentException ex) {
        throw ConfigException.invalid(key, e, "a CIDR or host pattern");
      }
    }
  }

  static void cidrs(String key, List<String> entries) {
    for (String e : entries) {
      if (IpAddresses.parse(e) == null) {
        throw ConfigException.invalid(key, e, "a CIDR, e.g. 10.0.0.0/8 or ::1/128");
      }
    }
  }

  /** {@code value} must be one of {@code allowed} (already normalised by the caller). */
  /** memoryPressure must come first: 0 < memoryPressure <= memoryCritical <= 1. */
  static void fractions(double pressure, double critical) {
    if (pressure <= 0 || pressure > 1) {
      throw ConfigException.invalid("memoryPressure", pressure, "> 0 and <= 1");
    }
    if (critical < pressure || critical > 1) {
      throw ConfigException.invalid(
          "memoryCritical", critical, ">= memoryPressure (" + pressure + ") and <= 1");
    }
  }

  static void oneOf(String key, String value, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw ConfigException.invalid(key, value, "one of " + String.join(", ", allowed));
    }
  }

  static void dnsServers(String servers) {
    if (servers.isEmpty()) {
      return;
    }
    for (String entry : servers.split(",")) {
      String e = entry.trim();
      int colon = e.lastIndexOf(':');
      boolean ok = colon > 0 && colon < e.length() - 1;
      if (ok) {
        try {
          int port = Integer.parseInt(e.substring(colon + 1));
          ok = port > 0 && port <= 65535;
        } catch (NumberFormatException ex) {
          ok = false;
        }
      }
      if (!ok) {
        throw ConfigException.invalid("dnsServers", servers, "host:port[,host:port...]");
      }
    }
  }

  static void caFile(String caFile) {
    if (caFile.isEmpty()) {
      return;
    }
    Path p = Path.of(caFile);
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw ConfigException.invalid("caFile", caFile, "a readable PEM file");
    }
    try {
      String pem = Files.readString(p);
      // Parsed, not just looked at: a broken certificate stops the start here (exit 2), not when
      // the first worker builds its trust store.
      if (!pem.contains("-----BEGIN CERTIFICATE-----")
          || java.security.cert.CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new java.io.ByteArrayInputStream(
                      pem.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
              .isEmpty()) {
        throw ConfigException.invalid("caFile", caFile, "a PEM file with at least one CERTIFICATE");
      }
    } catch (java.security.cert.CertificateException e) {
      throw ConfigException.invalid("caFile", caFile, "a PEM file with at least one CERTIFICATE");
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      throw ConfigException.invalid("caFile", caFile, "a readable PEM file");
    }
  }

  static void checkRange(String key, long v, long min, long max) {
    if (v < min || v > max) {
      throw ConfigException.invalid(key, v, ">= " + min + " and <= " + max);
    }
  }

  static void checkRange(String key, int v, int min, int max) {
    if (v < min || v > max) {
      throw ConfigException.invalid(key, v, ">= " + min + " and <= " + max);
    }
  }

  static void checkPositive(String key, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw ConfigException.invalid(key, JsonFields.toSeconds(d), "> 0 seconds");
    }
  }

  static void checkNotNegative(String key, Duration d) {
    if (d.isNegative()) {
      throw ConfigException.invalid(key, JsonFields.toSeconds(d), ">= 0 seconds");
    }
  }
}
