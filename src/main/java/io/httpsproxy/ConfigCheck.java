package io.httpsproxy;

import io.httpsproxy.cluster.ClusterSetup;
import io.httpsproxy.config.ConfigException;
import io.httpsproxy.config.ConfigSource;
import io.httpsproxy.config.ProxyConfig;
import io.httpsproxy.config.ServeCommand;
import io.httpsproxy.reload.NodeSettings;
import io.httpsproxy.security.DestinationPolicy;
import java.io.PrintStream;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@code https-proxy check [flags]}, as {@code haproxy -c} and {@code envoy --mode validate}: reads
 * the flags, the {@code PROXY_*} environment and the config file exactly as a start would, then the
 * files they name (credentials, the CA bundle, the Hazelcast XML), and exits 0 with one line, or 2
 * with the first problem. Nothing listens, nothing joins a cluster.
 */
final class ConfigCheck {
  private ConfigCheck() {}

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    ParseResult parsed;
    try {
      parsed = ServeCommand.create().parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      err.println("https-proxy check: " + e.getMessage() + " (see --help)");
      return Main.EXIT_USAGE;
    }
    ConfigSource source = ConfigSource.of(parsed, env);
    try {
      ProxyConfig config = source.load();
      // The lists, the client ACL and the credentials file, as a start builds them.
      NodeSettings settings =
          NodeSettings.initial(
              config,
              (allow, deny) -> DestinationPolicy.of(allow, deny, config.host(), config::port));
      if (config.cluster().enabled()) {
        ClusterSetup.clusterManager(
            config.cluster(), config.nodeName()); // parses the XML; joins nothing
      }
      String file = source.file();
      out.println(
          "https-proxy check: OK (config file: "
              + (file == null ? "none" : file)
              + "; port "
              + config.port()
              + ", workers "
              + config.workers()
              + ", queueSize "
              + config.queueSize()
              + (config.authEnabled() ? ", credentials " + config.credentialsFile() : "")
              + (settings.tls() != null
                  ? ", TLS port "
                      + config.tls().port()
                      + " (certificate serial "
                      + settings.tls().serialHex()
                      + ", expires "
                      + settings.tls().notAfter().toInstant()
                      + ")"
                  : "")
              + (config.cluster().enabled() ? ", clustered" : "")
              + ")");
      for (String shadowed : source.shadowed()) {
        out.println("https-proxy check: note: " + shadowed);
      }
      return 0;
    } catch (ConfigException e) {
      err.println("https-proxy check: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
  }
}
