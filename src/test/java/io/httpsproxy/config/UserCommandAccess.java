package io.httpsproxy.config;

import picocli.CommandLine;

/** Runs the {@code user} subcommand in-process for tests in other packages. */
public final class UserCommandAccess {
  private UserCommandAccess() {}

  public static int run(String... args) {
    return new CommandLine(new UserCommand()).execute(args);
  }
}
