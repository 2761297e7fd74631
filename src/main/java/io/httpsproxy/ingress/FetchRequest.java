package io.httpsproxy.ingress;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.Header;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.Redaction;
import io.httpsproxy.security.Target;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A validated JSON fetch request: {@code {"url", "method", "headers", "body" | "bodyBase64"}}.
 * Anything that would end up in a request line or header is checked for syntax (no CR/LF), so an
 * API caller cannot inject a second request.
 */
record FetchRequest(String method, Target target, List<Header> headers, Buffer body) {
  private static final Set<String> FIELDS =
      Set.of("url", "method", "headers", "body", "bodyBase64");

  /**
   * Jackson's default caps a string at 20 M characters, which refused a 16 MiB body in base64
   * whatever the limit said; the request's size is already bounded by the API's body limit.
   */
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .build();

  static FetchRequest parse(Buffer raw, long maxBodyBytes) {
    JsonObject json;
    try {
      Object value = JacksonCodec.fromParser(JSON.createParser(raw.getBytes()), Object.class);
      json = value instanceof JsonObject o ? o : null;
    } catch (DecodeException | java.io.IOException e) {
      throw bad("request body is not a JSON object");
    }
    if (json == null) {
      throw bad("request body is not a JSON object");
    }
    for (String f : json.fieldNames()) {
      if (!FIELDS.contains(f)) {
        throw bad("unknown field '" + f + "' (expected: url, method, headers, body, bodyBase64)");
      }
    }
    Target target = Target.parse(string(json, "url", null));
    String method = string(json, "method", "GET");
    if (!HttpSyntax.isToken(method)) {
      // Never echoed: a rejected value may be a secret (issue #12 item 2).
      throw bad(Redaction.tokenProblem("method", method) + " (expected: an HTTP token)");
    }
    return new FetchRequest(method, target, headers(json), body(json, maxBodyBytes));
  }

  private static List<Header> headers(JsonObject json) {
    Object value = json.getValue("headers");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonObject obj)) {
      throw bad("headers must be an object of name: value");
    }
    List<Header> out = new ArrayList<>();
    int index = 0;
    for (String name : obj.fieldNames()) {
      index++;
      if (!HttpSyntax.isToken(name)) {
        throw bad(Redaction.tokenProblem("headers: name number " + index, name));
      }
      Object v = obj.getValue(name);
      List<Object> values =
          v instanceof JsonArray arr ? arr.getList() : List.of(v == null ? "" : v);
      for (Object one : values) {
        if (!(one instanceof String s)) {
          throw bad("header '" + name + "' must be a string or an array of strings");
        }
        int bad = Redaction.badValueByte(s);
        if (bad >= 0) {
          throw bad(
              "header '"
                  + name
                  + "' has the prohibited byte "
                  + Redaction.hex(s.charAt(bad))
                  + " at position "
                  + bad
                  + " of its value (control bytes other than tab are refused)");
        }
        out.add(new Header(name, s));
      }
    }
    return out;
  }

  private static Buffer body(JsonObject json, long maxBodyBytes) {
    boolean text = json.containsKey("body");
    boolean b64 = json.containsKey("bodyBase64");
    if (text && b64) {
      throw bad("give either body or bodyBase64, not both");
    }
    Buffer body;
    if (b64) {
      try {
        body = Buffer.buffer(Base64.getDecoder().decode(string(json, "bodyBase64", "")));
      } catch (IllegalArgumentException e) {
        throw bad("bodyBase64 is not valid base64");
      }
    } else {
      body = Buffer.buffer(string(json, "body", ""));
    }
    if (body.length() > maxBodyBytes) {
      throw new ProxyException(
          FailureCode.REQUEST_BODY_TOO_LARGE,
          "body exceeds the JSON API's limit (" + maxBodyBytes + " bytes: apiMaxBodyBytes)");
    }
    return body;
  }

  private static String string(JsonObject json, String field, String dflt) {
    Object v = json.getValue(field);
    if (v == null) {
      if (dflt == null) {
        throw bad(field + " is missing");
      }
      return dflt;
    }
    if (!(v instanceof String s)) {
      throw bad(field + " must be a string");
    }
    return s;
  }

  private static ProxyException bad(String message) {
    return new ProxyException(FailureCode.BAD_REQUEST, message);
  }
}
