package io.httpsproxy.config;

import java.util.Map;
import picocli.CommandLine.ParseResult;

/**
 * Where a node's config comes from, read again on every reload: the same command line and
 * environment as at start-up, and the config file as it is now. Flags and environment still win
 * over the file, so a key set by a flag does not change on reload.
 */
@FunctionalInterface
public interface ConfigSource {
  /** Reads and validates the config, or throws {@link ConfigException} naming what is wrong. */
  ProxyConfig load();

  /** The command line and environment a node was started with. */
  static ConfigSource of(ParseResult cmd, Map<String, String> env) {
    Map<String, String> copy = Map.copyOf(env);
    return () -> ConfigLoader.load(cmd, copy);
  }

  /** Always the same config: a reload then never changes anything. */
  static ConfigSource fixed(ProxyConfig config) {
    return () -> config;
  }
}
