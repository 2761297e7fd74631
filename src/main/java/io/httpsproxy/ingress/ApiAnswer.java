package io.httpsproxy.ingress;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyReply;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON API's answer, {@code {status, headers, body | bodyBase64, timings, node}}, written with
 * Jackson's generator straight into bytes. The body goes in as it came: a valid UTF-8 body is
 * written from its bytes (escaped by Jackson, never decoded into a String and encoded again), any
 * other as base64 (Jackson's own encoder). For a 64 KiB body this is what the API costs beyond the
 * absolute-form path (bench/RESULTS.md).
 */
final class ApiAnswer {
  private static final JsonFactory JSON = new JsonFactory();

  private ApiAnswer() {}

  static Buffer encode(ProxyReply reply, Buffer upstreamBody, long totalMs) {
    byte[] body = upstreamBody.getBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + body.length / 3 + 1024);
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeNumberField("status", reply.status());
      g.writeObjectFieldStart("headers");
      for (Map.Entry<String, List<String>> h : byName(reply.headers()).entrySet()) {
        g.writeFieldName(h.getKey());
        if (h.getValue().size() == 1) {
          g.writeString(h.getValue().get(0));
        } else {
          g.writeStartArray();
          for (String v : h.getValue()) {
            g.writeString(v);
          }
          g.writeEndArray();
        }
      }
      g.writeEndObject();
      if (Utf8.isValid(body)) {
        g.writeFieldName("body");
        g.writeUTF8String(body, 0, body.length);
      } else {
        g.writeFieldName("bodyBase64");
        g.writeBinary(body);
      }
      g.writeObjectFieldStart("timings");
      g.writeNumberField("queueMs", reply.queueMs());
      g.writeNumberField("upstreamMs", reply.upstreamMs());
      g.writeNumberField("totalMs", totalMs);
      g.writeEndObject();
      g.writeStringField("node", reply.node());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return Buffer.buffer(out.toByteArray());
  }

  /** Header names in lower case, in order of first appearance; repeated names keep every value. */
  private static Map<String, List<String>> byName(List<Header> headers) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Header h : headers) {
      out.computeIfAbsent(h.name().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
          .add(h.value());
    }
    return out;
  }
}
