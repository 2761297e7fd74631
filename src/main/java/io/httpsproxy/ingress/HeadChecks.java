package io.httpsproxy.ingress;

import io.httpsproxy.protocol.FailureCode;
import io.httpsproxy.protocol.ProxyException;
import io.httpsproxy.security.Redaction;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ByteProcessor;

/**
 * Syntax Netty lets pass (issue #12 items 6 and 7), checked by {@link ConnectionGuard} before
 * Vert.x sees a request: what comes before a request line, the protocol version, the number of
 * header lines.
 */
final class HeadChecks {
  /** Empty lines tolerated before a request line (RFC 9112 section 2.2 asks for at least one). */
  static final int MAX_EMPTY_LINES = 8;

  private HeadChecks() {}

  /** RFC 9112 section 2.3 and the header-line cap: null when the head may go on to Vert.x. */
  static ProxyException problem(HttpRequest r, int maxHeaderCount) {
    HttpVersion v = r.protocolVersion();
    if (v != HttpVersion.HTTP_1_1 && v != HttpVersion.HTTP_1_0) {
      // Netty upper-cases what it parses: "http/1.1" and "FOO/1.1" are not the constants either.
      if (!"HTTP".equals(v.protocolName()) || (v.majorVersion() == 1 && v.minorVersion() <= 1)) {
        return new ProxyException(
            FailureCode.BAD_REQUEST,
            "the request line must end in HTTP/1.1 or HTTP/1.0 (case-sensitive)");
      }
      return new ProxyException(
          FailureCode.VERSION_NOT_SUPPORTED,
          "HTTP/"
              + v.majorVersion()
              + "."
              + v.minorVersion()
              + " is not supported on this connection (HTTP/1.1 and HTTP/1.0 are)");
    }
    int lines = 0;
    var it = r.headers().iteratorCharSequence();
    while (it.hasNext()) {
      it.next();
      if (++lines > maxHeaderCount) {
        return new ProxyException(
            FailureCode.TOO_MANY_HEADERS,
            "more than " + maxHeaderCount + " header lines (maxHeaderCount)");
      }
    }
    return null;
  }

  /**
   * The empty lines before one request line, counted across the buffers they arrive in. Confined to
   * the connection's event loop.
   */
  static final class Leading {
    /** Line feeds seen so far, or -1 once the request line has begun. */
    private int lines;

    /** A request ended: the next one's leading lines are counted from zero. */
    void reset() {
      lines = 0;
    }

    /** A request head was decoded: its line has begun, whatever was counted. */
    void started() {
      lines = -1;
    }

    /**
     * Counts the empty lines at the start of {@code b} while no request line has begun; the refusal
     * when there are too many, or when the first other byte cannot start a request line.
     */
    ProxyException scan(ByteBuf b) {
      if (lines < 0) {
        return null;
      }
      int first = b.forEachByte(ByteProcessor.FIND_NON_CRLF);
      int end = first < 0 ? b.writerIndex() : first;
      for (int i = b.readerIndex(); i < end; i++) {
        if (b.getByte(i) == '\n' && ++lines > MAX_EMPTY_LINES) {
          return new ProxyException(
              FailureCode.BAD_REQUEST,
              "more than " + MAX_EMPTY_LINES + " empty lines before the request line");
        }
      }
      if (first < 0) {
        return null;
      }
      int c = b.getByte(first) & 0xff;
      if (c <= ' ' || c == 0x7f) {
        return new ProxyException(
            FailureCode.BAD_REQUEST,
            "the request line starts with the byte "
                + Redaction.hex(c)
                + " (expected a method, e.g. GET)");
      }
      lines = -1;
      return null;
    }
  }
}
