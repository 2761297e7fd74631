package io.httpsproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.ConfigLoader;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.config.ServeCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The systemd unit and the supervisor program start the jar the build makes, with flags the
 * application really has, and stop it the way it drains (SIGTERM, longer than drainTimeout).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceUnitsTest {
  private static final Path UNIT = Path.of("conf/systemd/https-proxy.service");
  private static final Path SUPERVISOR = Path.of("conf/supervisor/https-proxy.conf");
  private static final double STOP_MARGIN_SECONDS = 5;

  @Test
  void systemdAnalyzeVerifiesTheUnitWithoutWarnings() throws Exception {
    Process p =
        new ProcessBuilder("systemd-analyze", "verify", UNIT.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertEquals("", out.trim());
  }

  @Test
  void bothStartTheSameJarWithFlagsTheApplicationAccepts() throws IOException {
    List<String> unitCmd = words(ini(UNIT).get("ExecStart"));
    List<String> supCmd = words(ini(SUPERVISOR).get("command"));
    String unitJar = after(unitCmd, "-jar");
    assertEquals(unitJar, after(supCmd, "-jar"));
    assertTrue(unitJar.endsWith("/https-proxy.jar"), unitJar);
    List<String> unitArgs = unitCmd.subList(unitCmd.indexOf("-jar") + 2, unitCmd.size());
    assertEquals(unitArgs, supCmd.subList(supCmd.indexOf("-jar") + 2, supCmd.size()));
    // The same arguments parse on the real command line (an unknown flag would throw).
    CommandLine.ParseResult parsed =
        ServeCommand.create().parseArgs(unitArgs.toArray(String[]::new));
    assertEquals(
        "/etc/https-proxy/proxy.json", parsed.matchedOptionValue(ServeCommand.CONFIG_FLAG, ""));
    Path shipped = Path.of(ServeCommand.DEFAULT_CONFIG_FILE);
    ProxyConfig config =
        ConfigLoader.load(
            ServeCommand.create().parseArgs("--config", shipped.toString()), Map.of());
    assertEquals(
        ProxyConfig.defaults().toJson().getInteger("maxConnections"), config.maxConnections());
  }

  @Test
  void theShippedConfigServesTheAdminEndpointsOnLoopbackWhereTheUnitSaysTheyAre()
      throws IOException {
    ProxyConfig config =
        ConfigLoader.load(
            ServeCommand.create().parseArgs("--config", ServeCommand.DEFAULT_CONFIG_FILE),
            Map.of());
    String where = "http://" + config.admin().host() + ":" + config.admin().port();

    assertEquals("127.0.0.1", config.admin().host());
    assertEquals(false, config.admin().onProxyPort(), "the proxy port serves proxying only");
    assertTrue(Files.readString(UNIT).contains(where + "/ready"), "the unit names " + where);
    assertTrue(Files.readString(SUPERVISOR).contains(where), "supervisor's file names " + where);
  }

  @Test
  void bothStopWithSigtermAndWaitLongerThanTheDrain() throws IOException {
    Map<String, String> unit = ini(UNIT);
    Map<String, String> sup = ini(SUPERVISOR);
    double needed = ProxyConfig.DEFAULT_DRAIN_TIMEOUT + STOP_MARGIN_SECONDS;
    assertEquals("SIGTERM", unit.get("KillSignal"));
    assertEquals("TERM", sup.get("stopsignal"));
    assertTrue(Double.parseDouble(unit.get("TimeoutStopSec")) > needed);
    assertTrue(Double.parseDouble(sup.get("stopwaitsecs")) > needed);
  }

  @Test
  void systemctlReloadSendsSighup() throws IOException {
    // ReloadIT proves that the node reloads on SIGHUP.
    assertEquals("/bin/kill -HUP $MAINPID", ini(UNIT).get("ExecReload"));
  }

  @Test
  void aBadConfigurationIsNotRestartedInALoop() throws IOException {
    Map<String, String> unit = ini(UNIT);
    Map<String, String> sup = ini(SUPERVISOR);
    String usage = String.valueOf(Main.EXIT_USAGE);
    assertEquals("always", unit.get("Restart"));
    assertEquals(usage, unit.get("RestartPreventExitStatus"));
    assertEquals("unexpected", sup.get("autorestart"));
    assertEquals(List.of("0", usage), Arrays.asList(sup.get("exitcodes").split(",")));
  }

  @Test
  void fileLimitCoversTwoDescriptorsPerAllowedConnection() throws IOException {
    int limit = Integer.parseInt(ini(UNIT).get("LimitNOFILE"));
    assertTrue(limit >= 2 * ProxyConfig.DEFAULT_MAX_CONNECTIONS, "LimitNOFILE " + limit);
  }

  /** key=value lines of an INI-style file; comments (# and ;) and sections ignored. */
  private static Map<String, String> ini(Path file) throws IOException {
    Map<String, String> out = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      String t = line.trim();
      if (t.isEmpty() || t.startsWith("#") || t.startsWith(";") || t.startsWith("[")) {
        continue;
      }
      int eq = t.indexOf('=');
      if (eq > 0) {
        out.put(t.substring(0, eq).trim(), t.substring(eq + 1).trim());
      }
    }
    return out;
  }

  private static List<String> words(String command) {
    return Arrays.asList(command.trim().split("\\s+"));
  }

  private static String after(List<String> words, String word) {
    return words.get(words.indexOf(word) + 1);
  }
}
