package io.httpsproxy.config;

import com.fasterxml.jackson.core.JsonParser;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.ParseResult;

/**
 * Merges defaults, the config file, the environment and the command line (in rising precedence)
 * into one validated {@link ProxyConfig}. The only code that reads files, env and flags.
 */
public final class ConfigLoader {
  private final Map<String, String> env;
  private final JsonObject merged = new JsonObject();
  private final Map<String, String> sourceOf = new HashMap<>();
  private final Set<String> fileKeys = new HashSet<>();

  /** What the file says for each key it sets, parsed as the merged value is. */
  private final Map<String, Object> fileValues = new HashMap<>();

  private String filePath;

  private ConfigLoader(Map<String, String> env) {
    this.env = env;
  }

  /** Builds the config of a parsed command line, or throws {@link ConfigException}. */
  public static ProxyConfig load(ParseResult cmd, Map<String, String> env) {
    return new ConfigLoader(env).run(cmd);
  }

  /**
   * The keys the config file sets to another value than a flag or a {@code PROXY_*} variable that
   * overrides it, as "key: the file's value is overridden by SOURCE", in the order of {@link
   * Setting}. A reload reports them: the file asks for something it does not get. A file that
   * repeats the value in force (the shipped conf/proxy.json sets every key to its default) is not
   * named.
   */
  public static List<String> shadowed(ParseResult cmd, Map<String, String> env) {
    ConfigLoader loader = new ConfigLoader(env);
    loader.merge(cmd);
    List<String> out = new ArrayList<>();
    for (Setting s : Setting.values()) {
      String source = loader.sourceOf.get(s.key());
      boolean inFile = loader.fileKeys.contains(s.key());
      if (inFile
          && !source.equals(loader.filePath)
          && !sameValue(loader.fileValues.get(s.key()), loader.merged.getValue(s.key()))) {
        out.add(s.key() + ": the file's value is overridden by " + source);
      }
    }
    return out;
  }

  /** Equal as settings: 30 and 30.0 seconds are one value. */
  private static boolean sameValue(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    return java.util.Objects.equals(a, b);
  }

  private ProxyConfig run(ParseResult cmd) {
    merge(cmd);
    try {
      return ProxyConfig.fromJson(merged);
    } catch (ConfigException e) {
      throw withSource(e);
    }
  }

  /** File, then environment, then positional arguments, then flags: each overrides the last. */
  private void merge(ParseResult cmd) {
    readFile(cmd);
    for (Setting s : Setting.values()) {
      String raw = env.get(s.env());
      if (raw != null) {
        put(s, parse(s, raw, s.env()), s.env());
      }
    }
    for (int i = 0; i < Setting.POSITIONAL.size(); i++) {
      String raw = cmd.matchedPositionalValue(i, null);
      if (raw != null) {
        Setting s = Setting.POSITIONAL.get(i);
        put(s, parse(s, raw, "positional argument " + (i + 1)), "positional argument " + (i + 1));
      }
    }
    for (Setting s : Setting.values()) {
      Object raw = cmd.matchedOptionValue(s.flag(), null);
      if (raw != null) {
        put(s, parse(s, String.valueOf(raw), s.flag()), s.flag());
      }
    }
  }

  /**
   * The config file a command line reads: the one --config or PROXY_CONFIG names, else
   * conf/proxy.json when it exists; null when there is none.
   */
  public static String fileOf(ParseResult cmd, Map<String, String> env) {
    String named =
        cmd.matchedOptionValue(ServeCommand.CONFIG_FLAG, env.get(ServeCommand.CONFIG_ENV));
    Path path = Path.of(named != null ? named : ServeCommand.DEFAULT_CONFIG_FILE);
    return named == null && !Files.exists(path) ? null : path.toString();
  }

  private void readFile(ParseResult cmd) {
    String named = fileOf(cmd, env);
    if (named == null) {
      return;
    }
    Path path = Path.of(named);
    JsonObject file = parseFile(path);
    filePath = path.toString();
    for (String key : file.fieldNames()) {
      Setting s = Setting.byKey(key);
      if (s == null) {
        throw new ConfigException(
            path + ": unknown key '" + key + "' (expected one of the keys in the README)");
      }
      Object value = fromFile(s, file.getValue(key), path.toString());
      put(s, value, path.toString());
      fileKeys.add(s.key());
      fileValues.put(s.key(), value);
    }
  }

  /** The file may hold // and /* comments, so that conf/proxy.json documents every key. */
  static JsonObject parseFile(Path path) {
    String text;
    try {
      text = Files.readString(path);
    } catch (IOException e) {
      throw new ConfigException("config: '" + path + "' (expected: a readable JSON file)");
    }
    try {
      JsonParser parser = JacksonCodec.createParser(text);
      parser.enable(JsonParser.Feature.ALLOW_COMMENTS);
      Object value = JacksonCodec.fromParser(parser, Object.class);
      if (value instanceof JsonObject obj) {
        return obj;
      }
      if (value instanceof Map<?, ?> map) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return new JsonObject(m);
      }
      throw new ConfigException("config: '" + path + "' (expected: a JSON object at the top)");
    } catch (DecodeException e) {
      throw new ConfigException(
          "config: '" + path + "' is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  private static Object parse(Setting s, String raw, String source) {
    try {
      return s.parse(raw);
    } catch (ConfigException e) {
      throw new ConfigException(e.getMessage() + " [from " + source + "]");
    }
  }

  private static Object fromFile(Setting s, Object value, String source) {
    try {
      return s.fromJson(value);
    } catch (ConfigException e) {
      throw new ConfigException(e.getMessage() + " [from " + source + "]");
    }
  }

  private void put(Setting s, Object value, String source) {
    merged.put(s.key(), value);
    sourceOf.put(s.key(), source);
  }

  private ConfigException withSource(ConfigException e) {
    String msg = e.getMessage();
    int colon = msg.indexOf(':');
    String source = colon > 0 ? sourceOf.get(msg.substring(0, colon)) : null;
    return source == null ? e : new ConfigException(msg + " [from " + source + "]");
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
  }
}
