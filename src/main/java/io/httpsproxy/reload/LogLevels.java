package io.httpsproxy.reload;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Applies the {@code logLevel} setting to the application log (the root logger). */
public final class LogLevels {
  private LogLevels() {}

  public static void apply(String level) {
    if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
      root.setLevel(Level.toLevel(level, Level.INFO));
    }
  }
}
