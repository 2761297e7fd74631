package io.httpsproxy.protocol;

import io.httpsproxy.security.Target;
import io.vertx.core.buffer.Buffer;

/**
 * Binary codec for {@link ProxyRequest}. The target travels as its URL, and the receiving node
 * parses it again (Target.parse of a Target's own URL gives the same Target), so a node never
 * trusts a host that was not validated in its own process.
 */
public final class ProxyRequestCodec extends RecordCodec<ProxyRequest> {
  public static final String NAME = "proxy-request-v2";

  public ProxyRequestCodec() {
    super(NAME);
  }

  @Override
  void write(Buffer out, ProxyRequest r) {
    Wire.putString(out, r.id());
    Wire.putString(out, r.method());
    Wire.putString(out, r.url());
    Wire.putHeaders(out, r.headers());
    out.appendLong(r.bodyLength())
        .appendLong(r.acceptedAtMs())
        .appendLong(r.queueDeadlineMs())
        .appendLong(r.requestTimeoutMs())
        .appendLong(r.maxResponseBytes());
    Wire.putString(out, r.stream());
    Wire.putString(out, r.origin());
    out.appendInt(r.responseCredits());
  }

  @Override
  ProxyRequest read(Wire in) {
    return new ProxyRequest(
        in.getString(),
        in.getString(),
        Target.parse(in.getString()),
        in.getHeaders(),
        in.getLong(),
        in.getLong(),
        in.getLong(),
        in.getLong(),
        in.getLong(),
        in.getString(),
        in.getString(),
        in.getInt());
  }
}
