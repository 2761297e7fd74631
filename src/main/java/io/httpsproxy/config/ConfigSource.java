package io.httpsproxy.config;

import java.util.List;
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

  /**
   * Keys the file sets that a flag or an environment variable overrides ({@link
   * ConfigLoader#shadowed}); none when there is no file behind the source.
   */
  default List<String> shadowed() {
    return List.of();
  }

  /** The config file behind the source, or null (defaults, flags and variables only). */
  default String file() {
    return null;
  }

  /** The command line and environment a node was started with. */
  static ConfigSource of(ParseResult cmd, Map<String, String> env) {
    Map<String, String> copy = Map.copyOf(env);
    return new ConfigSource() {
      @Override
      public ProxyConfig load() {
        return ConfigLoader.load(cmd, copy);
      }

      @Override
      public List<String> shadowed() {
        return ConfigLoader.shadowed(cmd, copy);
      }

      @Override
      public String file() {
        return ConfigLoader.fileOf(cmd, copy);
      }
    };
  }

  /** Always the same config: a reload then never changes anything. */
  static ConfigSource fixed(ProxyConfig config) {
    return () -> config;
  }
}
