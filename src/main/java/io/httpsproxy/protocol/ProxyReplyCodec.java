package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * Binary codec for {@link ProxyReply}; the failure code travels by name, never as text to parse.
 */
public final class ProxyReplyCodec extends RecordCodec<ProxyReply> {
  public static final String NAME = "proxy-reply-v2";

  public ProxyReplyCodec() {
    super(NAME);
  }

  @Override
  void write(Buffer out, ProxyReply r) {
    put(out, r);
  }

  @Override
  ProxyReply read(Wire in) {
    return get(in);
  }

  /** Shared with {@link StreamFrameCodec}, whose RESET frames carry a reply. */
  static void put(Buffer out, ProxyReply r) {
    out.appendInt(r.status());
    Wire.putHeaders(out, r.headers());
    Wire.putString(out, r.failure() == null ? null : r.failure().name());
    Wire.putString(out, r.message());
    out.appendLong(r.queueMs()).appendLong(r.upstreamMs());
    Wire.putString(out, r.node());
  }

  static ProxyReply get(Wire in) {
    int status = in.getInt();
    var headers = in.getHeaders();
    String failure = in.getString();
    return new ProxyReply(
        status,
        headers,
        failure == null ? null : FailureCode.valueOf(failure),
        in.getString(),
        in.getLong(),
        in.getLong(),
        in.getString());
  }
}
