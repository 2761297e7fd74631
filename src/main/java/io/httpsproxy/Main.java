package io.httpsproxy;

import io.httpsproxy.client.ClientCommand;
import io.httpsproxy.config.ConfigException;
import io.httpsproxy.config.ConfigSource;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.config.ServeCommand;
import io.httpsproxy.config.UserCommand;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Parses the command line, starts a node (or runs the client), and drains on SIGTERM. */
public final class Main {
  /** Exit codes: 0 ok, 1 could not start (e.g. port in use), 2 bad command line or config. */
  static final int EXIT_START_FAILED = 1;

  static final int EXIT_USAGE = 2;

  private Main() {}

  public static void main(String[] args) {
    System.setProperty(
        "vertx.logger-delegate-factory-class-name",
        "io.vertx.core.logging.SLF4JLogDelegateFactory");
    if (args.length > 0 && args[0].equals("check")) {
      String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
      System.exit(ConfigCheck.run(rest, System.getenv(), System.out, System.err));
    }
    CommandLine cmd = ServeCommand.create();
    cmd.addSubcommand("client", new ClientCommand());
    cmd.addSubcommand("user", new UserCommand());
    ParseResult parsed;
    try {
      parsed = cmd.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("https-proxy: " + e.getMessage() + " (see --help)");
      err.flush();
      System.exit(EXIT_USAGE);
      return;
    }
    if (CommandLine.printHelpIfRequested(parsed)) {
      System.exit(0);
    }
    if (parsed.hasSubcommand()) {
      String sub = parsed.subcommand().commandSpec().name();
      System.exit(cmd.getSubcommands().get(sub).execute(tail(args, sub)));
    }
    ConfigSource source = ConfigSource.of(parsed, System.getenv());
    ProxyConfig config;
    try {
      config = source.load();
    } catch (ConfigException e) {
      System.err.println("https-proxy: " + e.getMessage());
      System.exit(EXIT_USAGE);
      return;
    }
    System.exit(serve(config, source));
  }

  /**
   * Installs {@code handler}. A signal the parent left ignored (nohup ignores SIGHUP, a background
   * job in a script SIGINT) stays ignored: the JVM will not take it over, so say so.
   */
  private static void handle(String name, SignalHandler handler, Logger log, String consequence) {
    if (Signal.handle(new Signal(name), handler) == SignalHandler.SIG_IGN) {
      log.warn(
          "SIG{} was ignored by the process that started this node (nohup?) and stays ignored: {}",
          name,
          consequence);
    }
  }

  /**
   * Runs a node until SIGTERM or SIGINT, then drains. The signal handlers go in before the node
   * starts, so a signal at any moment (even during start-up) leads to a drain and exit 0. SIGHUP
   * reloads the config (this node only; {@code POST /admin/reload?scope=cluster} reaches all).
   */
  private static int serve(ProxyConfig config, ConfigSource source) {
    io.httpsproxy.metrics.AppLog.configure(config.appLog(), config.nodeName());
    Logger log = LoggerFactory.getLogger("https-proxy");
    CountDownLatch stopRequested = new CountDownLatch(1);
    CountDownLatch stopAgain = new CountDownLatch(1);
    AtomicReference<String> signal = new AtomicReference<>();
    SignalHandler onStop =
        sig -> {
          if (!signal.compareAndSet(null, "SIG" + sig.getName())) {
            stopAgain.countDown(); // a second signal skips the rest of shutdownDelay
          }
          stopRequested.countDown();
        };
    handle("TERM", onStop, log, "a stop will not drain");
    handle("INT", onStop, log, "Ctrl-C will not drain");
    AtomicReference<ProxyNode> running = new AtomicReference<>();
    handle(
        "HUP",
        sig -> {
          ProxyNode n = running.get();
          if (n == null) {
            log.warn("SIGHUP during start-up: ignored (the node reads its config as it starts)");
            return;
          }
          n.reloader()
              .reload("SIGHUP")
              .onFailure(t -> log.error("reload (SIGHUP) failed: {}", t.toString(), t));
        },
        log,
        "reload with POST /admin/reload instead");
    handle(
        "USR1",
        sig -> log.info("SIGUSR1: {}", io.httpsproxy.ingress.AccessLog.reopen()),
        log,
        "a rotated access log file is not reopened (use copytruncate)");
    ProxyNode node;
    try {
      node = ProxyNode.start(config, source).await();
      running.set(node);
    } catch (ConfigException e) {
      System.err.println("https-proxy: " + e.getMessage());
      return EXIT_USAGE;
    } catch (Exception e) {
      log.error("could not start on {}:{}: {}", config.host(), config.port(), e.getMessage());
      return EXIT_START_FAILED;
    }
    log.info(
        "https-proxy node {} listening on {}:{} (workers={}, queueSize={}, maxConnections={}; {})",
        node.nodeName(),
        config.port() < 0 ? "the TLS port only (port -1)" : config.host() + ":" + node.port(),
        config.workers(),
        config.queueSize(),
        config.maxConnections(),
        node.engines());
    if (node.tlsPort() >= 0) {
      io.httpsproxy.config.TlsMaterial tls = node.settings().get().tls();
      log.info(
          "TLS listener on {}:{} (certificate serial {}, expires {}; client certificates: {})",
          config.tls().bindHost(config.host()),
          node.tlsPort(),
          tls.serialHex(),
          tls.notAfter().toInstant(),
          config.tls().clientAuth());
    }
    String file = source.file();
    log.info(
        "config file: {}", file == null ? "none (defaults, flags and PROXY_* variables)" : file);
    if (node.engines().fallback() != null) {
      log.warn("{}", node.engines().fallback());
    }
    try {
      stopRequested.await();
      // Both read now: a reload may have changed them.
      Duration delay = node.config().shutdownDelay();
      Duration drain = node.config().drainTimeout();
      if (!delay.isZero()) {
        node.startDraining();
        log.info(
            "{} received: /ready answers 503; serving for {} more before the drain",
            signal.get(),
            delay);
        stopAgain.await(delay.toMillis(), TimeUnit.MILLISECONDS);
      }
      log.info("{} received: draining for at most {}", signal.get(), drain);
      CountDownLatch stopped = new CountDownLatch(1);
      node.shutdown(drain).onComplete(ar -> stopped.countDown());
      // The drain is bounded by drainTimeout; closing Vert.x itself gets a little more.
      if (!stopped.await(drain.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
        log.warn("drain did not finish in time; exiting anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("stopped");
    return 0;
  }

  private static String[] tail(String[] args, String sub) {
    int i = 0;
    while (i < args.length && !args[i].equals(sub)) {
      i++;
    }
    String[] rest = new String[Math.max(0, args.length - i - 1)];
    System.arraycopy(args, Math.min(args.length, i + 1), rest, 0, rest.length);
    return rest;
  }
}
