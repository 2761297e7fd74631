package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Length-prefixed binary fields for the event-bus codecs. A reader walks a buffer once. */
final class Wire {
  private final Buffer buf;
  private int pos;

  Wire(Buffer buf, int pos) {
    this.buf = buf;
    this.pos = pos;
  }

  static void putString(Buffer out, String s) {
    if (s == null) {
      out.appendInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.appendInt(bytes.length).appendBytes(bytes);
  }

  static void putBuffer(Buffer out, Buffer b) {
    out.appendInt(b.length()).appendBuffer(b);
  }

  static void putHeaders(Buffer out, List<Header> headers) {
    out.appendInt(headers.size());
    for (Header h : headers) {
      putString(out, h.name());
      putString(out, h.value());
    }
  }

  int getInt() {
    int v = buf.getInt(pos);
    pos += 4;
    return v;
  }

  byte getByte() {
    byte v = buf.getByte(pos);
    pos += 1;
    return v;
  }

  long getLong() {
    long v = buf.getLong(pos);
    pos += 8;
    return v;
  }

  String getString() {
    int len = getInt();
    if (len < 0) {
      return null;
    }
    String s = buf.getString(pos, pos + len, "UTF-8");
    pos += len;
    return s;
  }

  Buffer getBuffer() {
    int len = getInt();
    Buffer b = buf.getBuffer(pos, pos + len);
    pos += len;
    return b;
  }

  List<Header> getHeaders() {
    int n = getInt();
    List<Header> headers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      headers.add(new Header(getString(), getString()));
    }
    return headers;
  }
}
