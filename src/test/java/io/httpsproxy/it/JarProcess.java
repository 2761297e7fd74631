package io.httpsproxy.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real fat jar ({@code -Dproxy.jar}, set by Failsafe) running as a separate JVM: {@code java
 * -jar https-proxy.jar args...}. Captures stdout and stderr apart (the config tests count stderr
 * lines), waits for the "listening on" log line, sends SIGTERM and waits for the exit code, always
 * with a timeout. {@link #close()} kills whatever is still running, so nothing outlives a test.
 */
final class JarProcess implements AutoCloseable {
  /** What a finished run printed and returned. */
  record Finished(int exitCode, String stdout, String stderr, long elapsedMs) {
    List<String> stderrLines() {
      return stderr.lines().filter(l -> !l.isBlank()).toList();
    }

    String output() {
      return stdout + stderr;
    }

    String describe() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  static final String EMPTY_CONFIG = "empty.json";

  /** The start-up line ("https-proxy node NAME listening on"), not the admin listener's line. */
  private static final Pattern LISTENING =
      Pattern.compile("https-proxy node \\S+ listening on [0-9.]+:(\\d+)");

  private static final Pattern ADMIN_LISTENING =
      Pattern.compile("admin listening on [0-9.]+:(\\d+)");

  /** Variables of the test's own environment that would change what the jar does or prints. */
  private static final List<String> SCRUBBED_ENV =
      List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH");

  /**
   * C1 only and the serial GC: a client run starts in about 500 ms instead of 650 ms (measured),
   * and none of these tests measures throughput.
   */
  private static final List<String> JVM_FLAGS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m");

  /** Last resort if the test JVM exits without running @AfterEach/@AfterAll. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kill-jars"));
  }

  private final Process process;
  private final List<String> command;
  private final long startNanos = System.nanoTime();
  private final List<Thread> pumps = new ArrayList<>();

  // guarded by lock: the pump threads append lines, test threads read them and wait for more
  private final Object lock = new Object();
  private final StringBuilder stdout = new StringBuilder();
  private final StringBuilder stderr = new StringBuilder();
  private int pumpsDone;

  private JarProcess(Process process, List<String> command) {
    this.process = process;
    this.command = command;
    LIVE.add(process);
    pump(process.getInputStream(), stdout, "stdout");
    pump(process.getErrorStream(), stderr, "stderr");
  }

  /**
   * A fresh working directory (so no conf/proxy.json is picked up) holding {@code empty.json}, a
   * config file that sets nothing.
   */
  static Path workDir() {
    try {
      Path dir = Files.createTempDirectory("https-proxy-it");
      Files.writeString(dir.resolve(EMPTY_CONFIG), "{}\n");
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The flags every node in these tests gets: the empty config, loopback, a free port and a free
   * admin port (the default 8889 would clash between nodes, and with other builds on the machine),
   * two event loops, no periodic statistics line in the output, and loopback upstreams allowed.
   */
  private static final io.httpsproxy.testing.TestDns DNS = newDns();

  private static io.httpsproxy.testing.TestDns newDns() {
    try {
      return new io.httpsproxy.testing.TestDns();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> nodeArgs(Path workDir, String... extra) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "--config",
            workDir.resolve(EMPTY_CONFIG).toString(),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--admin-port",
            "0",
            "--event-loops",
            "2",
            "--stats-interval",
            "3600",
            "--allow-destinations",
            "127.0.0.0/8,localhost",
            // Names resolve through a loopback test DNS: no query ever leaves the machine.
            "--dns-servers",
            DNS.address()));
    args.addAll(List.of(extra));
    return args;
  }

  /** The jar under test; fails the test early if {@code mvn package} has not built it. */
  static Path jar() {
    Path jar = Path.of(System.getProperty("proxy.jar", "target/https-proxy.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the ITs with mvn verify");
    }
    return jar.toAbsolutePath();
  }

  /**
   * Starts {@code java -jar <jar> args...} in {@code workDir} with the test's environment minus
   * every {@code PROXY_*} variable, plus {@code env}.
   */
  static JarProcess start(Path workDir, Map<String, String> env, List<String> args) {
    return start(workDir, env, args, "--default-signal=HUP,INT,TERM");
  }

  /**
   * Like {@link #start(Path, Map, List)}, but the node inherits {@code signal} ignored, as under
   * {@code nohup} (SIGHUP) or a shell's background job (SIGINT).
   */
  static JarProcess startIgnoring(
      String signal, Path workDir, Map<String, String> env, List<String> args) {
    return start(workDir, env, args, "--ignore-signal=" + signal);
  }

  /**
   * {@code env} sets the signal dispositions before it execs java (same pid), as a service manager
   * does: the default for the node's signals, whatever the build itself inherited (a build run
   * under nohup would otherwise pass SIGHUP on ignored, and the JVM keeps it ignored).
   */
  private static JarProcess start(
      Path workDir, Map<String, String> env, List<String> args, String signals) {
    return start(List.of(), workDir, env, args, signals);
  }

  /**
   * Like {@link #start(Path, Map, List)}, run through {@code prefix} (e.g. {@code ip netns exec
   * ns}, which execs too: the pid stays the JVM's).
   */
  static JarProcess startVia(List<String> prefix, Path workDir, List<String> args) {
    return start(prefix, workDir, Map.of(), args, "--default-signal=HUP,INT,TERM");
  }

  private static JarProcess start(
      List<String> prefix,
      Path workDir,
      Map<String, String> env,
      List<String> args,
      String signals) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add("env");
    cmd.add(signals);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_FLAGS);
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("PROXY_") || SCRUBBED_ENV.contains(k));
    pb.environment().putAll(env);
    try {
      Process process = pb.start();
      process.getOutputStream().close();
      return new JarProcess(process, cmd);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + cmd, e);
    }
  }

  /** Runs the jar to completion; kills it and fails if it outlives {@code timeout}. */
  static Finished run(Path workDir, Map<String, String> env, Duration timeout, List<String> args) {
    try (JarProcess p = start(workDir, env, args)) {
      return p.finish(timeout);
    }
  }

  /** Waits for the node's "listening on 127.0.0.1:PORT" line and returns the port. */
  int awaitListening(Duration timeout) {
    return Integer.parseInt(awaitOutput(LISTENING, timeout).group(1));
  }

  /** The admin listener's port ({@code /stats}, {@code /metrics}, ...), once the node listens. */
  int awaitAdminPort(Duration timeout) {
    return Integer.parseInt(awaitOutput(ADMIN_LISTENING, timeout).group(1));
  }

  /**
   * Waits until stdout or stderr matches {@code pattern}; fails if the process exits first. Wakes
   * up on every line, so a test can act within a millisecond of the line being printed.
   */
  Matcher awaitOutput(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (true) {
        Matcher m = pattern.matcher(stdout.toString() + stderr);
        if (m.find()) {
          return m;
        }
        if (!process.isAlive() && pumpsDone == pumps.size()) {
          throw new AssertionError(
              "exited with "
                  + process.exitValue()
                  + " before printing /"
                  + pattern
                  + "/\n"
                  + log());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no /" + pattern + "/ within " + timeout + "\n" + log());
        }
        try {
          // Bounded so that an exit without a last line is noticed too.
          lock.wait(Math.max(1, Math.min(50, left / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  /**
   * SIGTERM, through the process handle: {@link Process#destroy()} sends the same signal but also
   * closes our ends of the stdout and stderr pipes, so the node's last log lines would be lost.
   */
  void sigterm() {
    process.toHandle().destroy();
  }

  /** kill -9: the node dies without a word to the cluster. */
  void sigkill() {
    process.toHandle().destroyForcibly();
  }

  /** kill -STOP / -CONT: the node freezes (sockets stay open, nothing answers) and resumes. */
  void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start();
      kill.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The node's process id: {@code env} execs java, so it is the JVM's own. */
  long pid() {
    return process.pid();
  }

  /** Waits for the exit; kills the process and fails if it does not exit within {@code timeout}. */
  Finished finish(Duration timeout) {
    boolean exited;
    try {
      exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exited = false;
    }
    long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
    if (!exited) {
      String seen = log();
      kill();
      throw new AssertionError("still running after " + timeout + " (killed)\n" + seen);
    }
    drainPumps();
    LIVE.remove(process);
    return new Finished(process.exitValue(), stdout(), stderr(), elapsedMs);
  }

  String stdout() {
    synchronized (lock) {
      return stdout.toString();
    }
  }

  String stderr() {
    synchronized (lock) {
      return stderr.toString();
    }
  }

  /** The command line and everything printed so far, for assertion messages. */
  String log() {
    synchronized (lock) {
      return "$ " + String.join(" ", command) + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  @Override
  public void close() {
    kill();
  }

  private void kill() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    LIVE.remove(process);
  }

  /** The pump threads stop at end of stream, shortly after the exit; wait for their last bytes. */
  private void drainPumps() {
    for (Thread t : pumps) {
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void pump(InputStream in, StringBuilder into, String name) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (lock) {
                    into.append(line).append('\n');
                    lock.notifyAll();
                  }
                }
              } catch (IOException e) {
                // the process was killed: keep what was read
              } finally {
                synchronized (lock) {
                  pumpsDone++;
                  lock.notifyAll();
                }
              }
            },
            "jar-" + process.pid() + "-" + name);
    t.setDaemon(true);
    t.start();
    pumps.add(t);
  }
}
