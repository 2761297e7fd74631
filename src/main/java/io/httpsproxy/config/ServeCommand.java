package io.httpsproxy.config;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The command line of a node, built from {@link Setting}: the seed's seven positional arguments and
 * one named flag per setting. Values stay text here; {@link ConfigLoader} types and checks them so
 * that flags, environment and file all fail with the same message.
 */
public final class ServeCommand {
  public static final String CONFIG_FLAG = "--config";
  public static final String CONFIG_ENV = "PROXY_CONFIG";
  public static final String DEFAULT_CONFIG_FILE = "conf/proxy.json";

  private ServeCommand() {}

  public static CommandLine create() {
    CommandSpec spec = CommandSpec.create().name("java -jar https-proxy.jar");
    spec.usageMessage()
        .description(
            "A clustered HTTPS egress proxy. Precedence: flags > environment > config file >"
                + " defaults.")
        .footer(
            "",
            "Positional arguments (the original order) are the same settings as their flags.",
            "Subcommands: client URL [METHOD] [server] [port]   (see: client --help)",
            "             user add NAME | user token NAME      (see: user --help)",
            "             check [flags]   validate flags, environment, config file and the files"
                + " they name; exit 0 or 2");
    spec.mixinStandardHelpOptions(true);
    spec.version("https-proxy 0.1.0");
    for (int i = 0; i < Setting.POSITIONAL.size(); i++) {
      Setting s = Setting.POSITIONAL.get(i);
      spec.addPositional(
          PositionalParamSpec.builder()
              .index(String.valueOf(i))
              .arity("0..1")
              .paramLabel(s.key())
              .type(String.class)
              .description(s.help())
              .build());
    }
    spec.addOption(
        OptionSpec.builder(CONFIG_FLAG)
            .paramLabel("FILE")
            .type(String.class)
            .description(
                "JSON config file (default: "
                    + DEFAULT_CONFIG_FILE
                    + " if present; env "
                    + CONFIG_ENV
                    + ")")
            .build());
    for (Setting s : Setting.values()) {
      OptionSpec.Builder option =
          OptionSpec.builder(s.flag())
              .paramLabel(s.kind() == Setting.Kind.SECONDS ? "SECONDS" : s.kind().name())
              .type(String.class)
              .description(s.help() + " (default " + defaultOf(s) + "; env " + s.env() + ")");
      if (s.kind() == Setting.Kind.BOOL) {
        // A switch: "--cluster" alone means true; "--cluster=false" is also accepted. Typed
        // boolean, so that picocli never takes a following positional argument as its value.
        option.type(Boolean.class).arity("0..1").fallbackValue("true");
      }
      spec.addOption(option.build());
    }
    return new CommandLine(spec);
  }

  private static String defaultOf(Setting s) {
    Object v = ProxyConfig.defaults().toJson().getValue(s.key());
    return v instanceof String str && str.isEmpty() ? "none" : String.valueOf(v);
  }
}
