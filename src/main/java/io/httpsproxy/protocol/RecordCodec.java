package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Base of the event-bus codecs: a length prefix around the fields on the wire, and the immutable
 * record itself for local delivery (no copy, no serialization).
 *
 * @param <T> the record type
 */
abstract class RecordCodec<T> implements MessageCodec<T, T> {
  private final String name;

  RecordCodec(String name) {
    this.name = name;
  }

  abstract void write(Buffer out, T value);

  abstract T read(Wire in);

  @Override
  public final void encodeToWire(Buffer out, T value) {
    int start = out.length();
    out.appendInt(0);
    write(out, value);
    out.setInt(start, out.length() - start - 4);
  }

  @Override
  public final T decodeFromWire(int pos, Buffer buffer) {
    return read(new Wire(buffer, pos + 4));
  }

  @Override
  public final T transform(T value) {
    return value;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}
