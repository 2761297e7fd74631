package io.httpsproxy.ingress;

import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.metrics.ProxyStats;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyReply;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code POST /api/v1/fetch}: the original client protocol. The answer is 200 with the upstream's
 * status, headers, body and timings; the proxy's own failures keep their status and error body.
 */
final class ApiHandler {
  /** JSON and base64 inflate a body by about 4/3; the envelope gets some room on top. */
  private static final long ENVELOPE_BYTES = 64 * 1024;

  private final ProxyConfig config;
  private final ProxyStats stats;
  private final EgressClient egress;

  ApiHandler(ProxyConfig config, ProxyStats stats, EgressClient egress) {
    this.config = config;
    this.stats = stats;
    this.egress = egress;
  }

  void handle(RoutingContext ctx) {
    Exchange ex = new Exchange(ctx.request(), stats, RequestTrace.of(ctx.request()));
    Future.succeededFuture(ctx.body().buffer())
        .map(raw -> FetchRequest.parse(raw == null ? Buffer.buffer() : raw, config.maxBodyBytes()))
        .compose(f -> egress.send(ex, f.method(), f.target().toUrl(), f.headers(), f.body()))
        .onSuccess(
            reply -> {
              if (reply.isFailure()) {
                ex.fail(reply.toException());
              } else {
                ex.respond(
                    reply.status(),
                    resp ->
                        resp.putHeader("Content-Type", "application/json")
                            .end(toJson(reply, ex.elapsedMs()).toBuffer()));
              }
            })
        .onFailure(ex::fail);
  }

  /** Largest API request body: a maxBodyBytes body in base64 plus the JSON envelope. */
  static long bodyLimit(ProxyConfig config) {
    return config.maxBodyBytes() / 3 * 4 + ENVELOPE_BYTES;
  }

  static JsonObject toJson(ProxyReply reply, long totalMs) {
    JsonObject headers = new JsonObject();
    for (Header h : reply.headers()) {
      String name = h.name().toLowerCase(java.util.Locale.ROOT);
      Object prev = headers.getValue(name);
      if (prev == null) {
        headers.put(name, h.value());
      } else if (prev instanceof JsonArray arr) {
        arr.add(h.value());
      } else {
        headers.put(name, new JsonArray().add(prev).add(h.value()));
      }
    }
    JsonObject out = new JsonObject().put("status", reply.status()).put("headers", headers);
    String text = utf8(reply.body());
    if (text != null) {
      out.put("body", text);
    } else {
      out.put("bodyBase64", Base64.getEncoder().encodeToString(reply.body().getBytes()));
    }
    return out.put(
            "timings",
            new JsonObject()
                .put("queueMs", reply.queueMs())
                .put("upstreamMs", reply.upstreamMs())
                .put("totalMs", totalMs))
        .put("node", reply.node());
  }

  /** The body as text when it is valid UTF-8, else null (then it travels as base64). */
  private static String utf8(Buffer body) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body.getBytes()))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
