package io.httpsproxy.testing;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic pseudo-random bodies: the byte at {@code offset} is a function of {@code seed} and
 * {@code offset} alone, so a sender can produce any slice of a 100 MiB body and a test can compute
 * its SHA-256 without either side ever holding it whole.
 */
public final class Bodies {
  private static final int BLOCK = 64 * 1024;

  private Bodies() {}

  /** Fills {@code dst[from, from + len)} with the body's bytes starting at {@code offset}. */
  public static void fill(long seed, long offset, byte[] dst, int from, int len) {
    long word = offset >>> 3;
    long w = mix(seed, word);
    for (int i = 0; i < len; i++) {
      long o = offset + i;
      if ((o >>> 3) != word) {
        word = o >>> 3;
        w = mix(seed, word);
      }
      dst[from + i] = (byte) (w >>> ((o & 7) << 3));
    }
  }

  /** The body's bytes {@code [offset, offset + len)}. */
  public static byte[] slice(long seed, long offset, int len) {
    byte[] b = new byte[len];
    fill(seed, offset, b, 0, len);
    return b;
  }

  /**
   * The SHA-256 (lower-case hex) of the first {@code length} bytes of the body for {@code seed}.
   */
  public static String sha256(long seed, long length) {
    MessageDigest md = newSha256();
    byte[] buf = new byte[BLOCK];
    for (long done = 0; done < length; ) {
      int n = (int) Math.min(BLOCK, length - done);
      fill(seed, done, buf, 0, n);
      md.update(buf, 0, n);
      done += n;
    }
    return hex(md.digest());
  }

  public static String sha256(byte[] bytes) {
    return hex(newSha256().digest(bytes));
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  /** SplitMix64's finalizer over (seed, word index): cheap and well spread. */
  private static long mix(long seed, long word) {
    long z = seed * 0xBF58476D1CE4E5B9L + (word + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
