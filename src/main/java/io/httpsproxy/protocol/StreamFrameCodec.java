package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;

/** Binary codec for {@link StreamFrame}: key, kind by name, then the kind's own fields. */
public final class StreamFrameCodec extends RecordCodec<StreamFrame> {
  public static final String NAME = "proxy-stream-frame-v1";

  public StreamFrameCodec() {
    super(NAME);
  }

  @Override
  void write(Buffer out, StreamFrame f) {
    Wire.putString(out, f.stream());
    Wire.putString(out, f.kind().name());
    Wire.putBuffer(out, f.data());
    out.appendInt(f.credits());
    out.appendByte((byte) (f.failure() == null ? 0 : 1));
    if (f.failure() != null) {
      ProxyReplyCodec.put(out, f.failure());
    }
  }

  @Override
  StreamFrame read(Wire in) {
    String stream = in.getString();
    StreamFrame.Kind kind = StreamFrame.Kind.valueOf(in.getString());
    Buffer data = in.getBuffer();
    int credits = in.getInt();
    ProxyReply failure = in.getByte() == 0 ? null : ProxyReplyCodec.get(in);
    return new StreamFrame(stream, kind, data, credits, failure);
  }
}
