package io.httpsproxy.ingress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 9110 section 7.6.2: {@code Max-Forwards} on OPTIONS (and TRACE) is decremented by each proxy,
 * and the one that sees 0 answers itself. TRACE is refused outright (405): it reflects the request,
 * credentials and cookies included, back to whoever can read the answer (cross-site tracing), and
 * an egress proxy has no use for it.
 */
final class MaxForwards {
  static final String HEADER = "Max-Forwards";
  static final String ALLOWED = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

  private MaxForwards() {}

  /**
   * The headers to send upstream (a mutable copy, Max-Forwards decremented where it applies), or
   * null when the proxy itself must answer.
   */
  static List<Header> apply(HttpServerRequest req, List<Header> headers) {
    if (req.method() == HttpMethod.TRACE) {
      throw new ProxyException(FailureCode.METHOD_NOT_ALLOWED, "TRACE is refused by this proxy");
    }
    List<Header> out = new ArrayList<>(headers);
    if (req.method() != HttpMethod.OPTIONS) {
      return out;
    }
    List<String> values = req.headers().getAll(HEADER);
    if (values.isEmpty()) {
      return out;
    }
    long n = parse(values);
    if (n == 0) {
      return null;
    }
    out.removeIf(h -> h.name().equalsIgnoreCase(HEADER));
    out.add(new Header(HEADER, Long.toString(n - 1)));
    return out;
  }

  /** The proxy's own answer to OPTIONS with Max-Forwards: 0. */
  static void answer(HttpServerResponse resp) {
    resp.setStatusCode(200).putHeader("Allow", ALLOWED).putHeader("Content-Length", "0").end();
  }

  private static long parse(List<String> values) {
    String v = values.get(0).trim();
    boolean digits = values.size() == 1 && !v.isEmpty() && v.length() <= 18;
    for (int i = 0; digits && i < v.length(); i++) {
      digits = Character.isDigit(v.charAt(i)) && v.charAt(i) < 128;
    }
    if (!digits) {
      throw new ProxyException(FailureCode.BAD_REQUEST, "Max-Forwards must be one decimal number");
    }
    return Long.parseLong(v);
  }
}
