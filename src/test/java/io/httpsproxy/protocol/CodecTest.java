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
  private static final StreamFrameCodec FRAMES = new StreamFrameCodec();

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

  private static ProxyRequest request(List<Header> headers, long bodyLength) {
    return new ProxyRequest(
        "req-ü-42",
        "POST",
        Target.parse("https://example.com:8443/p?q=ä"),
        headers,
        bodyLength,
        1_700_000_000_123L,
        1_700_000_030_123L,
        30_000L,
        10_485_760L,
        "node-a/req-ü-42/2",
        "node-a",
        4);
  }

  private static ProxyReply reply(List<Header> headers) {
    return new ProxyReply(200, headers, null, null, 12L, 345L, "node-ß");
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
  void requestWithNonAsciiHeadersRoundTrips() {
    ProxyRequest sent = request(TRICKY_HEADERS, 256);

    ProxyRequest received = roundTrip(sent);

    assertEquals(sent, received);
    assertEquals(TRICKY_HEADERS, received.headers(), "order and repetition are kept");
    assertTrue(received.hasBody());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      longs = {ProxyRequest.NO_BODY, ProxyRequest.UNKNOWN_LENGTH, 0, 1, 1L << 40})
  void requestBodyLengthSurvivesTheWire(long length) {
    ProxyRequest received = roundTrip(request(List.of(), length));

    assertEquals(length, received.bodyLength());
    assertEquals(length != ProxyRequest.NO_BODY, received.hasBody());
  }

  @Test
  void localRequestWithoutStreamKeysRoundTrips() {
    ProxyRequest sent =
        new ProxyRequest(
            "id",
            "GET",
            Target.parse("http://a.example/"),
            List.of(),
            -1,
            1,
            2,
            3,
            0,
            null,
            null,
            0);

    ProxyRequest received = roundTrip(sent);

    assertEquals(sent, received);
    assertNull(received.stream());
    assertNull(received.origin());
  }

  @Test
  void requestDecodesAtANonZeroPositionAndIgnoresTrailingBytes() {
    Buffer junk = Buffer.buffer(new byte[] {(byte) 0xFF, 0, 7, (byte) 0x80, 42});
    ProxyRequest sent = request(TRICKY_HEADERS, 256);
    Buffer wire = junk.copy();

    REQUESTS.encodeToWire(wire, sent);
    wire.appendString("trailing junk");

    assertEquals(sent, REQUESTS.decodeFromWire(junk.length(), wire));
  }

  @Test
  void requestEncodingStartsWithTheLengthOfTheRest() {
    Buffer wire = Buffer.buffer("prefix");

    REQUESTS.encodeToWire(wire, request(TRICKY_HEADERS, 256));

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
        new ProxyRequest(
            "id", "GET", Target.parse(url), List.of(), -1, 1L, 2L, 3L, 0L, "s", "o", 1);

    ProxyRequest received = roundTrip(sent);

    assertEquals(sent.target(), received.target());
    assertEquals(sent, received);
  }

  @Test
  void requestTransformReturnsTheSameInstance() {
    ProxyRequest r = request(TRICKY_HEADERS, 256);

    assertSame(r, REQUESTS.transform(r));
  }

  // ---- replies ----

  @Test
  void successfulReplyWithNonAsciiHeadersRoundTrips() {
    ProxyReply sent = reply(TRICKY_HEADERS);

    ProxyReply received = roundTrip(sent);

    assertEquals(sent, received);
    assertNull(received.failure());
    assertNull(received.message());
    assertFalse(received.isFailure());
  }

  @Test
  void replyWithoutHeadersRoundTrips() {
    ProxyReply sent = new ProxyReply(204, List.of(), null, null, 0, 0, "n1");

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
    ProxyReply ok = roundTrip(new ProxyReply(502, List.of(), null, null, 0, 0, "n"));
    ProxyReply failed =
        roundTrip(new ProxyReply(502, List.of(), FailureCode.UPSTREAM_ERROR, null, 0, 0, "n"));

    assertNull(ok.failure());
    assertEquals(FailureCode.UPSTREAM_ERROR, failed.failure());
    assertNotEquals(ok, failed);
  }

  @Test
  void replyDecodesAtANonZeroPositionAndIgnoresTrailingBytes() {
    Buffer junk = Buffer.buffer(new byte[] {1, 2, 3, (byte) 0xFE, (byte) 0xFF, 0, 0});
    ProxyReply sent = ProxyReply.failed(FailureCode.UPSTREAM_TLS, "handshake", 7, 8, "n");
    ProxyReply ok = reply(TRICKY_HEADERS);
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

    REPLIES.encodeToWire(wire, reply(TRICKY_HEADERS));

    assertEquals(wire.length() - 2 - 4, wire.getInt(2));
  }

  @Test
  void replyTransformReturnsTheSameInstance() {
    ProxyReply r = reply(TRICKY_HEADERS);

    assertSame(r, REPLIES.transform(r));
  }

  // ---- stream frames ----

  private static StreamFrame roundTrip(StreamFrame f) {
    Buffer wire = Buffer.buffer("pre");
    FRAMES.encodeToWire(wire, f);
    wire.appendString("trailing");
    return FRAMES.decodeFromWire(3, wire);
  }

  @Test
  void dataFrameCarriesEveryByteValue() {
    StreamFrame received = roundTrip(StreamFrame.data("n/1/1", allByteValues()));

    assertEquals(StreamFrame.Kind.DATA, received.kind());
    assertEquals("n/1/1", received.stream());
    assertEquals(allByteValues(), received.data());
    assertNull(received.failure());
  }

  @ParameterizedTest
  @EnumSource(StreamFrame.Kind.class)
  void everyFrameKindRoundTrips(StreamFrame.Kind kind) {
    StreamFrame sent = new StreamFrame("k", kind, Buffer.buffer("ab"), 7, null);

    StreamFrame received = roundTrip(sent);

    assertEquals(kind, received.kind());
    assertEquals(7, received.credits());
    assertEquals(Buffer.buffer("ab"), received.data());
  }

  @Test
  void resetFrameCarriesItsFailure() {
    ProxyReply failure = ProxyReply.failed(FailureCode.UPSTREAM_RESET, "cut ü", 3, 4, "n-2");

    StreamFrame received = roundTrip(StreamFrame.reset("k", failure));

    assertEquals(StreamFrame.Kind.RESET, received.kind());
    assertEquals(failure, received.failure());
    assertEquals(0, received.data().length());
  }

  @Test
  void localCallNeverTakesTheWire() {
    LocalCallCodec codec = new LocalCallCodec();
    LocalCall call = new LocalCall(request(List.of(), -1), null);

    assertSame(call, codec.transform(call));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalStateException.class, () -> codec.encodeToWire(Buffer.buffer(), call));
  }

  @Test
  void codecsHaveDistinctVersionedNamesAndAreUserCodecs() {
    assertEquals("proxy-request-v2", REQUESTS.name());
    assertEquals("proxy-reply-v2", REPLIES.name());
    assertEquals("proxy-stream-frame-v1", FRAMES.name());
    assertEquals(-1, REQUESTS.systemCodecID());
    assertEquals(-1, REPLIES.systemCodecID());
    assertEquals(-1, FRAMES.systemCodecID());
  }
}
