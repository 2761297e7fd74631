package io.httpsproxy.ingress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.protocol.ProxyReply;
import io.httpsproxy.security.HeaderHygiene;
import io.httpsproxy.security.Target;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.function.Supplier;

/**
 * Forward-proxy requests in absolute form ({@code GET https://host/path HTTP/1.1}): the body is
 * read (bounded), the request goes over the event-bus queue, and the upstream's answer comes back
 * with hop-by-hop headers removed.
 */
final class ForwardHandler {
  private final Supplier<ProxyConfig> config;
  private final ProxyStats stats;
  private final EgressClient egress;
  private final AccessLog accessLog;

  ForwardHandler(
      Supplier<ProxyConfig> config, ProxyStats stats, EgressClient egress, AccessLog accessLog) {
    this.config = config;
    this.stats = stats;
    this.egress = egress;
    this.accessLog = accessLog;
  }

  void handle(HttpServerRequest req, RequestTrace trace, AccessGate.Caller caller) {
    Exchange ex = new Exchange(req, stats, trace, caller, accessLog);
    Target target;
    try {
      target = Target.parse(req.uri());
    } catch (ProxyException e) {
      ex.fail(e);
      return;
    }
    ex.target(target);
    List<Header> headers;
    try {
      headers = MaxForwards.apply(req, HeaderHygiene.forUpstream(req.headers()));
    } catch (ProxyException e) {
      ex.fail(e);
      return;
    }
    if (headers == null) {
      ex.respond(200, MaxForwards::answer);
      return;
    }
    headers.add(HeaderHygiene.VIA);
    boolean head = req.method() == HttpMethod.HEAD;
    BodyReader.read(req, config.get().maxBodyBytes(), config.get().bodyTimeout())
        .compose(
            body -> {
              ex.bytesIn(body.length());
              return egress.send(ex, req.method().name(), target, headers, body);
            })
        .onSuccess(
            reply -> {
              ex.reply(reply);
              if (reply.isFailure()) {
                ex.fail(reply.toException());
              } else {
                ex.respond(reply.status(), resp -> write(resp, reply, head));
              }
            })
        .onFailure(ex::fail);
  }

  private static void write(HttpServerResponse resp, ProxyReply reply, boolean head) {
    resp.setStatusCode(reply.status());
    String upstreamLength = null;
    for (Header h : reply.headers()) {
      if (h.name().equalsIgnoreCase("content-length")) {
        upstreamLength = h.value();
        continue;
      }
      if (h.name().equalsIgnoreCase(ErrorResponder.REQUEST_ID_HEADER)) {
        continue; // the proxy's own id is already there; two would confuse clients
      }
      resp.headers().add(h.name(), h.value());
    }
    resp.headers().add(HeaderHygiene.VIA.name(), HeaderHygiene.VIA.value());
    if (head) {
      if (upstreamLength != null) {
        resp.putHeader(HttpHeaders.CONTENT_LENGTH, upstreamLength);
      }
      resp.end();
      return;
    }
    resp.end(reply.body());
  }
}
