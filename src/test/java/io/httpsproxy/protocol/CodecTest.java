package io.httpsproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.security.Target;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The event-bus codecs: every field survives the wire, wherever in a buffer the message sits. */
class CodecTest {
  private static final ProxyRequestCodec REQUESTS = new ProxyRequestCodec();
  private static final ProxyReplyCodec REPLIES = new ProxyReplyCodec();

  private static final List<Header> TRICKY_HEADERS =
      List.of(
          new Header("X-Greeting", "Grüße, 世界 🌍"),
          new Header("Set-Cookie", "a=1; Path=/"),
          new Header("Set-Cookie", "b=2; Path=/"),
          new Header("X-Empty", ""),
          new Header("Ünïcødé-Name", "é"));

  private static Buffer allByteValues() {
    Buffer b = Buffer.buffer(256);
    for (int i = 0; i < 256; i++) {
      b.appendByte((byte) i);
    }
    return b;
  }

  private static ProxyRequest request(List<Header> headers, Buffer body) {
    return new ProxyRequest(
        "req-ü-42",
        "POST",
        Target.parse("https://example.com:8443/p?q=ä"),
        headers,
        body,
        1_700_000_000_123L,
        1_700_000_030_123L,
        30_000L);
  }

  private static ProxyReply reply(List<Header> headers, Buffer body) {
    return new ProxyReply(200, headers, body, null, null, 12L, 345L, "node-ß");
  }

  private static ProxyRequest roundTrip(ProxyRequest r) {
    Buffer wire = Buffer.buffer();
    REQUESTS.encodeToWire(wire, r);
    return REQUESTS.decodeFromWire(0, wire);
  }

  private static ProxyReply roundTrip(ProxyReply r) {
    Buffer wire = Buffer.buffer();
    REPLIES.encodeToWire(wire, r);
    return REPLIES.decodeFromWire(0, wire);
  }

  // ---- requests ----

  @Test
  void requestWithNonAsciiHeadersAndBinaryBodyRoundTrips() {
    ProxyRequest sent = request(TRICKY_HEADERS, allByteValues());

    ProxyRequest received = roundTrip(sent);

    assertEquals(sent, received);
    assertEquals(TRICKY_HEADERS, received.headers(), "order and repetition are kept");
    assertEquals(256, received.body().length());
    for (int i = 0; i < 256; i++) {
      assertEquals((byte) i, received.body().getByte(i));
    }
  }

  @Test
  void requestWithNoHeadersAndEmptyBodyRoundTrips() {
    ProxyRequest sent = request(List.of(), Buffer.buffer());

    ProxyRequest received = roundTrip(sent);

    assertEquals(sent, received);
    assertEquals(0, received.body().length());
    assertTrue(received.headers().isEmpty());
  }

  @Test
  void requestWithNullBodyTravelsAsEmpty() {
    ProxyRequest received = roundTrip(request(List.of(), null));

    assertEquals(0, received.body().length());
  }

  @Test
  void requestDecodesAtANonZeroPositionAndIgnoresTrailingBytes() {
    Buffer junk = Buffer.buffer(new byte[] {(byte) 0xFF, 0, 7, (byte) 0x80, 42});
    ProxyRequest sent = request(TRICKY_HEADERS, allByteValues());
    Buffer wire = junk.copy();

    REQUESTS.encodeToWire(wire, sent);
    wire.appendString("trailing junk");

    assertEquals(sent, REQUESTS.decodeFromWire(junk.length(), wire));
  }

  @Test
  void requestEncodingStartsWithTheLengthOfTheRest() {
    Buffer wire = Buffer.buffer("prefix");

    REQUESTS.encodeToWire(wire, request(TRICKY_HEADERS, allByteValues()));

    assertEquals(wire.length() - "prefix".length() - 4, wire.getInt("prefix".length()));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "http://example.com/",
        "HTTPS://Example.COM./a/b?c=d&e=%20f",
        "https://[2001:db8::1]:8443/x",
        "http://xn--bcher-kva.example:81/p?q=ä",
        "https://ｅｘａｍｐｌｅ.com/",
        "http://93.184.216.34"
      })
  void requestTargetSurvivesTheWireExactly(String url) {
    ProxyRequest sent =
        new ProxyRequest("id", "GET", Target.parse(url), List.of(), null, 1L, 2L, 3L);

    ProxyRequest received = roundTrip(sent);

    assertEquals(sent.target(), received.target());
    assertEquals(sent, received);
  }

  @Test
  void requestTransformReturnsTheSameInstance() {
    ProxyRequest r = request(TRICKY_HEADERS, allByteValues());

    assertSame(r, REQUESTS.transform(r));
  }

  // ---- replies ----

  @Test
  void successfulReplyWithNonAsciiHeadersAndBinaryBodyRoundTrips() {
    ProxyReply sent = reply(TRICKY_HEADERS, allByteValues());

    ProxyReply received = roundTrip(sent);

    assertEquals(sent, received);
    assertNull(received.failure());
    assertNull(received.message());
    assertFalse(received.isFailure());
  }

  @Test
  void replyWithEmptyBodyRoundTrips() {
    ProxyReply sent = new ProxyReply(204, List.of(), Buffer.buffer(), null, null, 0, 0, "n1");

    assertEquals(sent, roundTrip(sent));
  }

  @ParameterizedTest
  @EnumSource(FailureCode.class)
  void failedReplyCarriesItsFailureCode(FailureCode code) {
    ProxyReply sent = ProxyReply.failed(code, "détail: " + code, 5, 6, "node-2");

    ProxyReply received = roundTrip(sent);

    assertEquals(sent, received);
    assertSame(code, received.failure());
    assertEquals(code.status(), received.status());
    assertTrue(received.isFailure());
    assertSame(code, received.toException().code());
  }

  @Test
  void failedReplyWithoutMessageKeepsNullMessage() {
    ProxyReply received = roundTrip(ProxyReply.failed(FailureCode.QUEUE_FULL, null, 1, 0, "node"));

    assertNull(received.message());
    assertEquals(FailureCode.QUEUE_FULL.defaultMessage(), received.toException().getMessage());
  }

  @Test
  void nullFailureAndAFailureCodeDecodeDifferently() {
    ProxyReply ok = roundTrip(new ProxyReply(502, List.of(), null, null, null, 0, 0, "n"));
    ProxyReply failed =
        roundTrip(
            new ProxyReply(502, List.of(), null, FailureCode.UPSTREAM_ERROR, null, 0, 0, "n"));

    assertNull(ok.failure());
    assertEquals(FailureCode.UPSTREAM_ERROR, failed.failure());
    assertNotEquals(ok, failed);
  }

  @Test
  void replyDecodesAtANonZeroPositionAndIgnoresTrailingBytes() {
    Buffer junk = Buffer.buffer(new byte[] {1, 2, 3, (byte) 0xFE, (byte) 0xFF, 0, 0});
    ProxyReply sent = ProxyReply.failed(FailureCode.UPSTREAM_TLS, "handshake", 7, 8, "n");
    ProxyReply ok = reply(TRICKY_HEADERS, allByteValues());
    Buffer wire = junk.copy();

    REPLIES.encodeToWire(wire, sent);
    int second = wire.length();
    REPLIES.encodeToWire(wire, ok);
    wire.appendString("trailing junk");

    assertEquals(sent, REPLIES.decodeFromWire(junk.length(), wire));
    assertEquals(ok, REPLIES.decodeFromWire(second, wire));
  }

  @Test
  void replyEncodingStartsWithTheLengthOfTheRest() {
    Buffer wire = Buffer.buffer("xy");

    REPLIES.encodeToWire(wire, reply(TRICKY_HEADERS, allByteValues()));

    assertEquals(wire.length() - 2 - 4, wire.getInt(2));
  }

  @Test
  void replyTransformReturnsTheSameInstance() {
    ProxyReply r = reply(TRICKY_HEADERS, allByteValues());

    assertSame(r, REPLIES.transform(r));
  }

  @Test
  void codecsHaveDistinctVersionedNamesAndAreUserCodecs() {
    assertEquals("proxy-request-v1", REQUESTS.name());
    assertEquals("proxy-reply-v1", REPLIES.name());
    assertEquals(-1, REQUESTS.systemCodecID());
    assertEquals(-1, REPLIES.systemCodecID());
  }
}
