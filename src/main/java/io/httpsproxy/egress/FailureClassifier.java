package io.httpsproxy.egress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.Redaction;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/** Maps what an upstream call threw to the failure code the client sees (502 / 504 family). */
final class FailureClassifier {
  private FailureClassifier() {}

  static ProxyException classify(Throwable t) {
    if (t instanceof ProxyException p) {
      return p;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      ProxyException p = classifyOne(c);
      if (p != null) {
        return p;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return new ProxyException(FailureCode.UPSTREAM_ERROR, "upstream call failed: " + describe(t));
  }

  private static ProxyException classifyOne(Throwable c) {
    if (c instanceof UnknownHostException) {
      return new ProxyException(
          FailureCode.UPSTREAM_DNS, "upstream host could not be resolved: " + c.getMessage());
    }
    if (c instanceof ConnectException) {
      return new ProxyException(
          FailureCode.UPSTREAM_REFUSED, "upstream refused the connection: " + describe(c));
    }
    if (c instanceof SSLException) {
      Throwable weak = weakChain(c);
      return new ProxyException(
          FailureCode.UPSTREAM_TLS, "upstream TLS failed: " + describe(weak != null ? weak : c));
    }
    if (c instanceof TimeoutException) {
      return new ProxyException(FailureCode.UPSTREAM_TIMEOUT);
    }
    if (c instanceof HttpClosedException
        || c instanceof StreamResetException
        || c instanceof ClosedChannelException
        || (c instanceof java.io.IOException && String.valueOf(c.getMessage()).contains("reset"))) {
      return new ProxyException(
          FailureCode.UPSTREAM_RESET, "upstream closed the connection before the response ended");
    }
    return null;
  }

  /**
   * The chain-strength reason under a TLS failure: BoringSSL reports only a generic verify error.
   */
  private static Throwable weakChain(Throwable t) {
    for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof WeakChainException) {
        return c;
      }
      for (Throwable s : c.getSuppressed()) {
        if (s instanceof WeakChainException) {
          return s;
        }
      }
    }
    return null;
  }

  private static String describe(Throwable t) {
    if (t instanceof IllegalArgumentException) {
      return Redaction.describe(t); // a header validator's message quotes the value it refused
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    m = nl < 0 ? m : m.substring(0, nl);
    return m.length() > 200 ? m.substring(0, 200) : m;
  }
}
