package io.httpsproxy.egress;

import io.netty.handler.ssl.NotSslRecordException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Why an upstream TLS handshake failed, in words an operator can act on. Both engines wrap the real
 * reason: the JDK in an SSLHandshakeException whose causes hold it, BoringSSL in a generic "Failed
 * to create SSL connection" or verify error with the trust manager's exception as a cause or a
 * suppressed one. So the causes and suppressed exceptions are walked and the first reason
 * recognised wins, most specific first.
 */
final class TlsFailure {
  private TlsFailure() {}

  static String reason(Throwable failure) {
    List<Throwable> all = flatten(failure);
    for (Throwable t : all) {
      if (t instanceof WeakChainException) {
        return t.getMessage();
      }
    }
    for (Throwable t : all) {
      if (t instanceof CertificateExpiredException
          || (t instanceof CertPathValidatorException v
              && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED)) {
        return "the upstream certificate has expired (" + FailureClassifier.describe(t) + ")";
      }
      if (t instanceof CertificateNotYetValidException
          || (t instanceof CertPathValidatorException v
              && v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
        return "the upstream certificate is not valid yet (" + FailureClassifier.describe(t) + ")";
      }
    }
    for (Throwable t : all) {
      String m = lower(t);
      if (m.contains("no subject alternative") || m.contains("no name matching")) {
        return "the upstream certificate is for another host name: "
            + FailureClassifier.describe(t);
      }
    }
    for (Throwable t : all) {
      String m = lower(t);
      if (t instanceof CertPathBuilderException
          || m.contains("unable to find valid certification path")
          || m.contains("path building failed")) {
        return "the upstream certificate's issuer is not trusted (not in the JVM's CAs or caFile)";
      }
    }
    for (Throwable t : all) {
      if (t instanceof NotSslRecordException || lower(t).contains("not an ssl/tls record")) {
        return "the upstream did not answer in TLS: is it plain HTTP on this port?";
      }
    }
    for (Throwable t : all) {
      String m = lower(t);
      int alert = m.indexOf("alert");
      if (alert >= 0 && (m.contains("received fatal alert") || m.contains("alert_"))) {
        return "the upstream ended the TLS handshake with an alert: "
            + FailureClassifier.describe(t);
      }
    }
    for (Throwable t : all) {
      String m = lower(t);
      if (m.contains("protocol_version") || m.contains("no appropriate protocol")) {
        return "no TLS version in common with the upstream (the proxy offers TLS 1.2 and 1.3)";
      }
    }
    return "TLS handshake failed: " + FailureClassifier.describe(failure);
  }

  private static List<Throwable> flatten(Throwable root) {
    List<Throwable> out = new ArrayList<>();
    Set<Throwable> seen = new HashSet<>();
    Deque<Throwable> todo = new ArrayDeque<>();
    todo.add(root);
    while (!todo.isEmpty() && out.size() < 32) {
      Throwable t = todo.poll();
      if (t == null || !seen.add(t)) {
        continue;
      }
      out.add(t);
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      todo.addAll(List.of(t.getSuppressed()));
    }
    return out;
  }

  private static String lower(Throwable t) {
    return String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
  }
}
