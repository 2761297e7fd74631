package io.httpsproxy.egress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.Redaction;
import io.netty.resolver.dns.DnsErrorCauseException;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
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

  /**
   * A failed lookup of {@code host}: what the server answered ({@code answer}, read off the wire,
   * or null when nothing came back) decides, then the resolver's exception. NXDOMAIN, no address,
   * SERVFAIL and REFUSED are 502 UPSTREAM_DNS; no answer within {@code queryTimeout} is 504
   * UPSTREAM_DNS_TIMEOUT.
   */
  static ProxyException dns(
      String host, Throwable cause, DnsAnswerSniffer.Answer answer, Duration queryTimeout) {
    int rcode = answer != null ? answer.rcode() : -1;
    boolean timedOut = false;
    for (Throwable c = cause; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof DnsNameResolverTimeoutException) {
        timedOut = true;
      }
      if (rcode < 0 && c instanceof DnsErrorCauseException e) {
        rcode = e.getCode().intValue();
      }
    }
    if (rcode < 0 && timedOut) {
      return new ProxyException(
          FailureCode.UPSTREAM_DNS_TIMEOUT,
          "no DNS server answered for "
              + host
              + " within "
              + queryTimeout.toMillis() / 1000.0
              + " s (dnsQueryTimeout)");
    }
    String why =
        switch (rcode) {
          case DnsAnswerSniffer.NOERROR -> " (no address)";
          case DnsAnswerSniffer.NXDOMAIN -> " (NXDOMAIN)";
          case DnsAnswerSniffer.SERVFAIL -> " (the DNS server answered SERVFAIL)";
          case DnsAnswerSniffer.REFUSED -> " (the DNS server answered REFUSED)";
          case -1 -> "";
          default -> " (DNS response code " + rcode + ")";
        };
    return new ProxyException(
        FailureCode.UPSTREAM_DNS, "upstream host could not be resolved: " + host + why);
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
    if (c instanceof SSLException || c instanceof io.netty.handler.ssl.NotSslRecordException) {
      return new ProxyException(
          FailureCode.UPSTREAM_TLS, "upstream TLS failed: " + TlsFailure.reason(c));
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

  /** The first line of {@code t}'s message, bounded; never a value a header validator quoted. */
  static String describe(Throwable t) {
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
