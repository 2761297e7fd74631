package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Binary codec for {@link ProxyReply}; the failure code travels by name, never as text to parse.
 */
public final class ProxyReplyCodec implements MessageCodec<ProxyReply, ProxyReply> {
  public static final String NAME = "proxy-reply-v1";

  @Override
  public void encodeToWire(Buffer out, ProxyReply r) {
    int start = out.length();
    out.appendInt(0);
    out.appendInt(r.status());
    Wire.putHeaders(out, r.headers());
    Wire.putBuffer(out, r.body());
    Wire.putString(out, r.failure() == null ? null : r.failure().name());
    Wire.putString(out, r.message());
    out.appendLong(r.queueMs()).appendLong(r.upstreamMs());
    Wire.putString(out, r.node());
    out.setInt(start, out.length() - start - 4);
  }

  @Override
  public ProxyReply decodeFromWire(int pos, Buffer buffer) {
    Wire in = new Wire(buffer, pos + 4);
    int status = in.getInt();
    var headers = in.getHeaders();
    Buffer body = in.getBuffer();
    String failure = in.getString();
    return new ProxyReply(
        status,
        headers,
        body,
        failure == null ? null : FailureCode.valueOf(failure),
        in.getString(),
        in.getLong(),
        in.getLong(),
        in.getString());
  }

  @Override
  public ProxyReply transform(ProxyReply r) {
    return r;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
