package io.httpsproxy.metrics;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Handshakes the TLS listener refused, by reason. The reason is read from the exception the TLS
 * engine (JDK or BoringSSL) raised: both name the alert, and the JDK's PKIX checks name the
 * certificate's problem, so a few substrings tell the classes apart.
 */
public final class TlsHandshakes {
  /** Why a handshake failed; the label is the meter's {@code reason} tag. */
  public enum Reason {
    /** tlsClientAuth is require and the client sent no certificate. */
    NO_CLIENT_CERTIFICATE,
    /** The client's certificate has expired or is not yet valid. */
    EXPIRED_CLIENT_CERTIFICATE,
    /** The client's certificate does not chain to tlsClientCaFile, or is otherwise refused. */
    UNTRUSTED_CLIENT_CERTIFICATE,
    /** No protocol version (TLS 1.2, 1.3) or cipher suite in common. */
    PROTOCOL,
    /** Not TLS at all (plain HTTP sent to the TLS port). */
    NOT_TLS,
    /** The handshake did not finish within the handshake timeout. */
    TIMEOUT,
    OTHER;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final LongAdder[] counts = new LongAdder[Reason.values().length];

  public TlsHandshakes() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  /** Counts {@code failure} and returns its reason. */
  public Reason failed(Throwable failure) {
    Reason r = classify(failure);
    counts[r.ordinal()].increment();
    return r;
  }

  public long count(Reason r) {
    return counts[r.ordinal()].sum();
  }

  JsonObject toJson() {
    JsonObject o = new JsonObject();
    for (Reason r : Reason.values()) {
      o.put(r.label(), count(r));
    }
    return o;
  }

  static Reason classify(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null && text.length() < 4096; t = t.getCause()) {
      text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(' ');
    }
    String m = text.toString().toLowerCase(Locale.ROOT);
    if (m.contains("timeout") || m.contains("timed out")) {
      return Reason.TIMEOUT;
    }
    if (m.contains("not an ssl/tls record") || m.contains("notsslrecordexception")) {
      return Reason.NOT_TLS;
    }
    if (m.contains("empty client certificate chain")
        || m.contains("peer_did_not_return_a_certificate")
        || m.contains("null cert chain")) {
      return Reason.NO_CLIENT_CERTIFICATE;
    }
    if (m.contains("expired") || m.contains("not yet valid") || m.contains("validity check")) {
      return Reason.EXPIRED_CLIENT_CERTIFICATE;
    }
    if (m.contains("certificate") || m.contains("pkix") || m.contains("certpath")) {
      return Reason.UNTRUSTED_CLIENT_CERTIFICATE;
    }
    if (m.contains("protocol")
        || m.contains("version")
        || m.contains("no_shared_cipher")
        || m.contains("cipher")) {
      return Reason.PROTOCOL;
    }
    return Reason.OTHER;
  }
}
