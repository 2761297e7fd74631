package io.httpsproxy.metrics;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * One JSON object per application log event, on one line: {@code time} (ISO-8601, UTC), {@code
 * level}, {@code logger}, {@code thread}, {@code node} (the nodeName), {@code message} (formatted)
 * and, when there is one, {@code exception} (the whole stack trace as one string, so it stays in
 * its line). Jackson escapes every control character, so no message can start a second line.
 *
 * <p>Not logback's own {@code JsonEncoder}: its {@code message} is the unformatted template
 * ("joined: {} members", the values apart in {@code arguments}), its time is epoch milliseconds and
 * each line repeats the logger context; logstash-logback-encoder does not resolve offline here and
 * would add a dependency for what these 60 lines do. The field names match the access log's ({@code
 * time}, {@code node}).
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] NONE = new byte[0];

  private final String node;

  public JsonLogEncoder(String node) {
    this.node = node;
  }

  @Override
  public byte[] headerBytes() {
    return NONE;
  }

  @Override
  public byte[] encode(ILoggingEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.ofEpochMilli(e.getTimeStamp()).toString());
      g.writeStringField("level", e.getLevel().toString());
      g.writeStringField("logger", e.getLoggerName());
      g.writeStringField("thread", e.getThreadName());
      g.writeStringField("node", node);
      g.writeStringField("message", e.getFormattedMessage());
      IThrowableProxy thrown = e.getThrowableProxy();
      if (thrown != null) {
        g.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex); // a ByteArrayOutputStream does not fail
    }
    out.write('\n');
    return out.toByteArray();
  }

  @Override
  public byte[] footerBytes() {
    return NONE;
  }
}
