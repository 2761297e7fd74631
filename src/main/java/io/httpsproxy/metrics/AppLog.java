package io.httpsproxy.metrics;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import io.httpsproxy.config.AppLogConfig;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code logFormat} to the application log: logback.xml's {@value #APPENDER} appender
 * (stderr; the access log has its own appender on stdout or a file) gets the {@link JsonLogEncoder}
 * for {@code json} and keeps its pattern for {@code text}. Called once, before the node logs
 * anything, so that every line of the process has one format.
 */
public final class AppLog {
  /** The root logger's console appender in logback.xml. */
  static final String APPENDER = "APP";

  private AppLog() {}

  public static void configure(AppLogConfig config, String node) {
    if (!config.json()
        || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)
        || !(ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(APPENDER)
            instanceof ConsoleAppender<ILoggingEvent> console)) {
      return; // text, or another SLF4J backend / logback.xml: its own configuration decides
    }
    JsonLogEncoder encoder = new JsonLogEncoder(node);
    encoder.setContext(ctx);
    encoder.start();
    console.stop();
    console.setEncoder(encoder);
    console.start();
  }
}
