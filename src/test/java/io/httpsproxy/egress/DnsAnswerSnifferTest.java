package io.httpsproxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading response codes and negative TTLs (RFC 2308) off raw DNS answers, in place. */
class DnsAnswerSnifferTest {

  /** A response to one question for {@code name}, with {@code an} answers then the authority. */
  private static ByteBuf response(int rcode, String name, int an, int ns) {
    ByteBuf b = Unpooled.buffer();
    b.writeShort(0x1234).writeShort(0x8180 | rcode).writeShort(1).writeShort(an).writeShort(ns);
    b.writeShort(0);
    for (String label : name.split("\\.")) {
      b.writeByte(label.length()).writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    }
    b.writeByte(0).writeShort(1).writeShort(1); // A, IN
    return b;
  }

  /** A CNAME answer owned by the question's name (a compression pointer to offset 12). */
  private static void cname(ByteBuf b, String target) {
    b.writeShort(0xC00C).writeShort(5).writeShort(1).writeInt(300);
    int lengthAt = b.writerIndex();
    b.writeShort(0);
    for (String label : target.split("\\.")) {
      b.writeByte(label.length()).writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    }
    b.writeByte(0);
    b.setShort(lengthAt, b.writerIndex() - lengthAt - 2);
  }

  /** An SOA record with real MNAME and RNAME (one compressed), TTL and MINIMUM. */
  private static void soa(ByteBuf b, long ttl, long minimum) {
    b.writeByte(4).writeBytes("test".getBytes(StandardCharsets.US_ASCII)).writeByte(0);
    b.writeShort(6).writeShort(1).writeInt((int) ttl);
    int lengthAt = b.writerIndex();
    b.writeShort(0);
    b.writeByte(2).writeBytes("ns".getBytes(StandardCharsets.US_ASCII)).writeShort(0xC00C);
    b.writeByte(10).writeBytes("hostmaster".getBytes(StandardCharsets.US_ASCII)).writeByte(0);
    b.writeInt(2026120201).writeInt(3600).writeInt(600).writeInt(86400).writeInt((int) minimum);
    b.setShort(lengthAt, b.writerIndex() - lengthAt - 2);
  }

  @Test
  void nxdomainWithAnSoaGivesTheSmallerOfItsTtlAndMinimum() {
    ByteBuf b = response(3, "Gone.Example.test", 0, 1);
    soa(b, 900, 60);
    int reader = b.readerIndex();
    assertEquals(
        new DnsAnswerSniffer.Answer("gone.example.test", 3, 0, 60), DnsAnswerSniffer.parse(b));
    assertEquals(reader, b.readerIndex(), "read in place, nothing consumed");

    ByteBuf lowTtl = response(3, "gone.test", 0, 1);
    soa(lowTtl, 10, 3600);
    assertEquals(10, DnsAnswerSniffer.parse(lowTtl).negativeTtlSeconds());
  }

  @Test
  void noDataAfterACnameChainIsReadPastTheAnswers() {
    ByteBuf b = response(0, "www.example.test", 1, 1);
    cname(b, "edge.example.test");
    soa(b, 300, 30);
    assertEquals(
        new DnsAnswerSniffer.Answer("www.example.test", 0, 1, 30), DnsAnswerSniffer.parse(b));
  }

  @Test
  void failuresWithoutAnSoaHaveNoNegativeTtl() {
    assertEquals(
        new DnsAnswerSniffer.Answer("broken.test", 2, 0, -1),
        DnsAnswerSniffer.parse(response(2, "broken.test", 0, 0)));
    assertEquals(5, DnsAnswerSniffer.parse(response(5, "refused.test", 0, 0)).rcode());
  }

  @Test
  void queriesAndTruncatedOrLoopingPacketsAreIgnored() {
    ByteBuf query = response(0, "a.test", 0, 0);
    query.setShort(2, 0x0100); // QR clear: a query
    assertNull(DnsAnswerSniffer.parse(query));

    ByteBuf truncated = response(3, "gone.test", 0, 1);
    soa(truncated, 900, 60);
    assertNull(DnsAnswerSniffer.parse(truncated.slice(0, truncated.writerIndex() - 6)));

    ByteBuf loop = Unpooled.buffer();
    loop.writeShort(1).writeShort(0x8183).writeShort(1).writeShort(0).writeShort(0).writeShort(0);
    loop.writeShort(0xC00C).writeShort(1).writeShort(1); // a name that points at itself
    assertNull(DnsAnswerSniffer.parse(loop));
  }
}
