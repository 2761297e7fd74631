package io.httpsproxy.ingress;

import io.httpsproxy.protocol.Header;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The request id and its W3C trace context (https://www.w3.org/TR/trace-context/). The request id
 * is the trace id: taken from a valid client {@code traceparent}, or new. Upstream gets a {@code
 * traceparent} with the same trace id, the proxy's own new span id as parent-id and the client's
 * flags; an invalid or missing client header is replaced, and its {@code tracestate} dropped with
 * it (section 3.3: tracestate is meaningless without a valid traceparent).
 *
 * @param id the trace id, 32 lower-case hex digits; sent back as {@code X-Request-Id}
 * @param flags trace-flags to forward, 2 hex digits ("00" when the proxy started the trace: it
 *     records nothing, so it claims no sampling)
 * @param continued true when a valid client traceparent supplied the id
 */
record RequestTrace(String id, String flags, boolean continued) {
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";

  /** Reads the trace context of a new request and puts its id on the response at once. */
  static RequestTrace start(HttpServerRequest req) {
    RequestTrace t = parse(req.headers());
    if (t == null) {
      t = new RequestTrace(RequestIds.next(), "00", false);
    }
    req.response().putHeader(ErrorResponder.REQUEST_ID_HEADER, t.id());
    return t;
  }

  /**
   * The trace {@link #start} gave this request, for handlers behind the Router: the id from the
   * response, the flags from the client's header when that header supplied the id.
   */
  static RequestTrace of(HttpServerRequest req) {
    String id = req.response().headers().get(ErrorResponder.REQUEST_ID_HEADER);
    RequestTrace parsed = parse(req.headers());
    if (parsed != null && parsed.id().equals(id)) {
      return parsed;
    }
    return id == null ? start(req) : new RequestTrace(id, "00", false);
  }

  /** A valid version-00 (or later, read as 00) traceparent, or null. Exactly one header counts. */
  static RequestTrace parse(MultiMap headers) {
    List<String> values = headers.getAll(TRACEPARENT);
    if (values.size() != 1) {
      return null;
    }
    String v = values.get(0).trim();
    // version "00": exactly 55 chars; later versions may append "-..." (section 4.3)
    if (v.length() < 55 || (v.length() > 55 && (v.startsWith("00") || v.charAt(55) != '-'))) {
      return null;
    }
    String version = v.substring(0, 2);
    String traceId = v.substring(3, 35);
    String parentId = v.substring(36, 52);
    String flags = v.substring(53, 55);
    boolean shape = v.charAt(2) == '-' && v.charAt(35) == '-' && v.charAt(52) == '-';
    if (!shape
        || !hex(version)
        || version.equals("ff")
        || !hex(traceId)
        || !hex(parentId)
        || !hex(flags)
        || allZeros(traceId)
        || allZeros(parentId)) {
      return null;
    }
    return new RequestTrace(traceId, flags, true);
  }

  /**
   * The headers for upstream: any client traceparent removed, tracestate kept only when the client
   * context continues, and a traceparent naming the proxy's new span appended.
   */
  List<Header> forUpstream(List<Header> headers) {
    List<Header> out = new ArrayList<>(headers.size() + 1);
    for (Header h : headers) {
      if (h.name().equalsIgnoreCase(TRACEPARENT)
          || (!continued && h.name().equalsIgnoreCase(TRACESTATE))) {
        continue;
      }
      out.add(h);
    }
    out.add(new Header(TRACEPARENT, "00-" + id + "-" + RequestIds.nextSpan() + "-" + flags));
    return out;
  }

  private static boolean hex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZeros(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
