package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;

/** Binary codec for {@link ProxyRequest}. */
public final class ProxyRequestCodec extends RecordCodec<ProxyRequest> {
  public static final String NAME = "proxy-request-v1";

  public ProxyRequestCodec() {
    super(NAME);
  }

  @Override
  void write(Buffer out, ProxyRequest r) {
    Wire.putString(out, r.id());
    Wire.putString(out, r.method());
    Wire.putString(out, r.url());
    Wire.putHeaders(out, r.headers());
    Wire.putBuffer(out, r.body());
    out.appendLong(r.acceptedAtMs())
        .appendLong(r.queueDeadlineMs())
        .appendLong(r.requestTimeoutMs());
  }

  @Override
  ProxyRequest read(Wire in) {
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
}
