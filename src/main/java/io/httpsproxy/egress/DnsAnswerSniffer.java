package io.httpsproxy.egress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads what Netty's resolver does not tell: the response code of each DNS answer and, for a
 * negative one, how long the zone says it may be remembered (RFC 2308 section 5: the TTL of the SOA
 * record in the authority section, capped by its MINIMUM field). It sits first in the resolver's
 * UDP pipeline, reads each datagram in place (indexes only, nothing consumed) and passes it on
 * untouched; a datagram it cannot parse is passed on all the same.
 */
final class DnsAnswerSniffer extends ChannelInboundHandlerAdapter {
  static final int NOERROR = 0;
  static final int SERVFAIL = 2;
  static final int NXDOMAIN = 3;
  static final int REFUSED = 5;
  private static final int TYPE_SOA = 6;

  /**
   * One answer, as far as negative caching needs it.
   *
   * @param name the question's name, lower case, no trailing dot
   * @param rcode the response code
   * @param answers the number of answer records
   * @param negativeTtlSeconds min(SOA TTL, SOA MINIMUM), or -1 without an SOA
   */
  record Answer(String name, int rcode, int answers, long negativeTtlSeconds) {}

  interface Sink {
    void answered(Answer answer);
  }

  private final Sink sink;

  DnsAnswerSniffer(Sink sink) {
    this.sink = sink;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof DatagramPacket packet) {
      Answer a = parse(packet.content());
      if (a != null) {
        sink.answered(a);
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** The answer in {@code buf} (read in place), or null when it is not a parseable response. */
  static Answer parse(ByteBuf buf) {
    try {
      int base = buf.readerIndex();
      int flags = buf.getUnsignedShort(base + 2);
      if ((flags & 0x8000) == 0) {
        return null; // a query, not a response
      }
      int qd = buf.getUnsignedShort(base + 4);
      int an = buf.getUnsignedShort(base + 6);
      int ns = buf.getUnsignedShort(base + 8);
      if (qd != 1) {
        return null;
      }
      StringBuilder name = new StringBuilder();
      int i = readName(buf, base, base + 12, name) + 4; // QTYPE, QCLASS
      for (int r = 0; r < an; r++) {
        i = skipRecord(buf, base, i);
      }
      long negativeTtl = -1;
      for (int r = 0; r < ns; r++) {
        int typeAt = readName(buf, base, i, null);
        int type = buf.getUnsignedShort(typeAt);
        long ttl = buf.getUnsignedInt(typeAt + 4);
        int rdLength = buf.getUnsignedShort(typeAt + 8);
        int rdata = typeAt + 10;
        if (type == TYPE_SOA && rdLength >= 22) {
          long minimum = buf.getUnsignedInt(rdata + rdLength - 4);
          negativeTtl = Math.min(ttl, minimum);
        }
        i = rdata + rdLength;
      }
      return new Answer(name.toString().toLowerCase(Locale.ROOT), flags & 0x0f, an, negativeTtl);
    } catch (IndexOutOfBoundsException e) {
      return null;
    }
  }

  private static int skipRecord(ByteBuf buf, int base, int at) {
    int typeAt = readName(buf, base, at, null);
    return typeAt + 10 + buf.getUnsignedShort(typeAt + 8);
  }

  /**
   * Reads (into {@code out}, when not null) or skips the name at {@code at}; returns the index just
   * after it where it is written (a compression pointer ends it: RFC 1035 section 4.1.4).
   */
  private static int readName(ByteBuf buf, int base, int at, StringBuilder out) {
    int i = at;
    int end = -1;
    for (int hops = 0; hops < 64; hops++) {
      int len = buf.getUnsignedByte(i);
      if (len == 0) {
        return end < 0 ? i + 1 : end;
      }
      if ((len & 0xc0) == 0xc0) {
        if (end < 0) {
          end = i + 2;
        }
        i = base + (((len & 0x3f) << 8) | buf.getUnsignedByte(i + 1));
        continue;
      }
      if (out != null) {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(buf.toString(i + 1, len, StandardCharsets.US_ASCII));
      }
      i += len + 1;
    }
    throw new IndexOutOfBoundsException("DNS name compression loop");
  }
}
