package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Local delivery only: the message is the record itself; it has no wire form. */
public final class LocalCallCodec implements MessageCodec<LocalCall, LocalCall> {
  public static final String NAME = "proxy-local-call-v1";

  @Override
  public void encodeToWire(Buffer buffer, LocalCall call) {
    throw new IllegalStateException("a LocalCall never leaves its node (send it localOnly)");
  }

  @Override
  public LocalCall decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException("a LocalCall never leaves its node");
  }

  @Override
  public LocalCall transform(LocalCall call) {
    return call;
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
