package io.httpsproxy.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The credentials file ({@code credentialsFile}): one entry per line, {@code #} comments and blank
 * lines ignored.
 *
 * <pre>
 * NAME:pbkdf2-sha256:ITERATIONS:SALT_B64:HASH_B64   a password (Basic), PBKDF2WithHmacSHA256
 * NAME:token-sha256:HASH_B64                        an API token (Bearer), SHA-256 of the token
 * </pre>
 *
 * Tokens are 256 random bits made by the proxy, so one fast hash is enough; passwords are chosen by
 * people, so they get a slow salted one. The file never holds a secret in clear.
 */
public final class CredentialsFile {
  public static final String PASSWORD_SCHEME = "pbkdf2-sha256";
  public static final String TOKEN_SCHEME = "token-sha256";

  /** OWASP's 2023 advice for PBKDF2-HMAC-SHA256. */
  public static final int MIN_ITERATIONS = 210_000;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  /**
   * One line of the file.
   *
   * @param iterations 0 for a token
   * @param salt empty for a token
   */
  public record Entry(String name, String scheme, int iterations, byte[] salt, byte[] hash) {
    public boolean isToken() {
      return scheme.equals(TOKEN_SCHEME);
    }

    String toLine() {
      Base64.Encoder b64 = Base64.getEncoder();
      if (isToken()) {
        return name + ":" + TOKEN_SCHEME + ":" + b64.encodeToString(hash);
      }
      return String.join(
          ":",
          name,
          PASSWORD_SCHEME,
          String.valueOf(iterations),
          b64.encodeToString(salt),
          b64.encodeToString(hash));
    }
  }

  private CredentialsFile() {}

  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * The entries of a file and a SHA-256 of its bytes, read at once, so that a reload can tell
   * whether the file changed without comparing hashes of hashes.
   */
  public record Loaded(List<Entry> entries, String digest) {}

  /** Reads and checks every line; a bad file stops start-up with the line number. */
  public static List<Entry> read(Path path) {
    return load(path).entries();
  }

  /** Like {@link #read}, with the digest of the bytes read. */
  public static Loaded load(Path path) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw ConfigException.invalid("credentialsFile", path.toString(), "a readable file");
    }
    List<Entry> entries =
        parseLines(path, new String(bytes, StandardCharsets.UTF_8).lines().toList());
    try {
      String digest =
          java.util.HexFormat.of()
              .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
      return new Loaded(entries, digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Entry> parseLines(Path path, List<String> lines) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Entry e = parse(line);
      if (e == null) {
        // The line itself is not repeated: it holds a hash.
        throw new ConfigException(
            "credentialsFile: "
                + path
                + " line "
                + (i + 1)
                + " (expected: NAME:pbkdf2-sha256:ITERATIONS>="
                + MIN_ITERATIONS
                + ":SALT:HASH or NAME:token-sha256:HASH)");
      }
      out.add(e);
    }
    return out;
  }

  /** Writes {@code entries} plus {@code added}, atomically, readable by the owner only. */
  public static void write(Path path, List<Entry> entries) throws IOException {
    StringBuilder text =
        new StringBuilder("# https-proxy credentials: see README 'Authentication'\n");
    entries.forEach(e -> text.append(e.toLine()).append('\n'));
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".credentials", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default permissions
      }
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Entry parse(String line) {
    String[] f = line.split(":", -1);
    if (f.length < 3 || !validName(f[0])) {
      return null;
    }
    try {
      Base64.Decoder b64 = Base64.getDecoder();
      if (f[1].equals(TOKEN_SCHEME) && f.length == 3) {
        byte[] hash = b64.decode(f[2]);
        return hash.length == 32 ? new Entry(f[0], TOKEN_SCHEME, 0, new byte[0], hash) : null;
      }
      if (f[1].equals(PASSWORD_SCHEME) && f.length == 5) {
        int iterations = Integer.parseInt(f[2]);
        byte[] salt = b64.decode(f[3]);
        byte[] hash = b64.decode(f[4]);
        boolean ok = iterations >= MIN_ITERATIONS && salt.length >= 16 && hash.length >= 32;
        return ok ? new Entry(f[0], PASSWORD_SCHEME, iterations, salt, hash) : null;
      }
    } catch (IllegalArgumentException e) {
      return null;
    }
    return null;
  }
}
