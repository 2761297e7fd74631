package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.ServeCommand;
import io.httpsproxy.config.Setting;
import io.httpsproxy.it.JarProcess.Finished;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real jar's command line: bad settings from flags, positional arguments, the environment and
 * the config file stop it with exit code 2 and one line on stderr before it listens; --help lists
 * every setting; a port in use is exit code 1.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CommandLineIT {
  /** A config error is reported by the parser, long before a node could start. */
  private static final Duration QUICK_EXIT = Duration.ofSeconds(10);

  /** Starting Vert.x, failing to bind and stopping again takes about a second. */
  private static final Duration FAILED_START = Duration.ofSeconds(6);

  private static Path dir;

  @BeforeAll
  static void workDir() {
    dir = JarProcess.workDir();
  }

  private static Finished run(Map<String, String> env, List<String> args) {
    return JarProcess.run(dir, env, QUICK_EXIT, args);
  }

  private static Finished run(String... extra) {
    return run(Map.of(), JarProcess.nodeArgs(dir, extra));
  }

  /** Exit code 2, nothing logged on stdout (so it never listened), one stderr line naming all. */
  private static void assertRejected(Finished f, String... mustName) {
    assertEquals(2, f.exitCode(), f.describe());
    assertFalse(f.stdout().contains("listening on"), f.describe());
    List<String> lines = f.stderrLines();
    assertEquals(1, lines.size(), "expected exactly one stderr line\n" + f.describe());
    for (String s : mustName) {
      assertTrue(lines.get(0).contains(s), "stderr does not name '" + s + "'\n" + f.describe());
    }
  }

  @Test
  void nonNumericWorkersFlagExitsWithCode2() {
    assertRejected(run("--workers", "abc"), "workers", "abc", "expected", "integer", "--workers");
  }

  @Test
  void negativeQueueSizeExitsWithCode2() {
    assertRejected(run("--queue-size", "-1"), "queueSize", "-1", "expected", "--queue-size");
  }

  @Test
  void unknownFlagExitsWithCode2() {
    assertRejected(run("--bogus-flag"), "--bogus-flag", "--help");
  }

  @Test
  void positionalPortOutOfRangeExitsWithCode2() {
    List<String> args =
        List.of(
            "70000",
            "--host",
            "127.0.0.1",
            "--config",
            dir.resolve(JarProcess.EMPTY_CONFIG).toString());
    assertRejected(run(Map.of(), args), "port", "70000", "expected", "65535", "positional");
  }

  @Test
  void missingCaFileExitsWithCode2() {
    assertRejected(
        run("--ca-file", "/nonexistent.pem"), "caFile", "/nonexistent.pem", "expected", "PEM");
  }

  @Test
  void durationWithUnitSuffixExitsWithCode2() {
    assertRejected(
        run("--queue-timeout", "1d"),
        "queueTimeout",
        "1d",
        "expected",
        "seconds",
        "--queue-timeout");
  }

  @Test
  void badWorkersFromEnvironmentExitsWithCode2() {
    Finished f = run(Map.of("PROXY_WORKERS", "x"), JarProcess.nodeArgs(dir));
    assertRejected(f, "workers", "'x'", "expected", "integer", "PROXY_WORKERS");
  }

  @Test
  void configFileWithInvalidJsonExitsWithCode2() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"workers\": 4,\n");
    List<String> args = List.of("--config", bad.toString(), "--host", "127.0.0.1", "--port", "0");
    assertRejected(run(Map.of(), args), bad.toString(), "JSON");
  }

  @Test
  void helpExitsZeroAndListsEveryFlagAndEnvironmentVariable() {
    Finished f = run(Map.of(), List.of("--help"));
    assertEquals(0, f.exitCode(), f.describe());
    assertEquals("", f.stderr(), f.describe());
    List<String> names = new ArrayList<>();
    names.add(ServeCommand.CONFIG_FLAG);
    names.add(ServeCommand.CONFIG_ENV);
    for (Setting s : Setting.values()) {
      names.add(s.flag());
      names.add(s.env());
    }
    for (String name : names) {
      assertTrue(f.stdout().contains(name), "--help does not list " + name + "\n" + f.describe());
    }
  }

  @Test
  void portInUseExitsWithCode1AndSaysWhy() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      List<String> args = JarProcess.nodeArgs(dir);
      int i = args.indexOf("--port");
      args.set(i + 1, String.valueOf(port));
      Finished f = JarProcess.run(dir, Map.of(), FAILED_START, args);
      assertEquals(1, f.exitCode(), f.describe());
      assertFalse(f.output().contains("listening on"), f.describe());
      assertTrue(f.output().contains(String.valueOf(port)), f.describe());
      assertTrue(
          f.output().contains("could not start") || f.output().contains("in use"), f.describe());
    }
  }
}
