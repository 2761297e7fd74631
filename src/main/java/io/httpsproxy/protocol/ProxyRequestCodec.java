package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Binary codec for {@link ProxyRequest}; local delivery passes the immutable record as is. */
public final class ProxyRequestCodec implements MessageCodec<ProxyRequest, ProxyRequest> {
  public static final String NAME = "proxy-request-v1";

  @Override
  public void encodeToWire(Buffer out, ProxyRequest r) {
    int start = out.length();
    out.appendInt(0);
    Wire.putString(out, r.id());
    Wire.putString(out, r.method());
    Wire.putString(out, r.url());
    Wire.putHeaders(out, r.headers());
    Wire.putBuffer(out, r.body());
    out.appendLong(r.acceptedAtMs())
        .appendLong(r.queueDeadlineMs())
        .appendLong(r.requestTimeoutMs());
    out.setInt(start, out.length() - start - 4);
  }

  @Override
  public ProxyRequest decodeFromWire(int pos, Buffer buffer) {
    Wire in = new Wire(buffer, pos + 4);
    return new ProxyRequest(
        in.getString(),
        in.getString(),
        in.getString(),
        in.getHeaders(),
        in.getBuffer(),
        in.getLong(),
        in.getLong(),
        in.getLong());
  }

  @Override
  public ProxyRequest transform(ProxyRequest r) {
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
