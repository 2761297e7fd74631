package io.httpsproxy.security;

import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.config.CredentialsFile.Entry;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password and token hashing with the JDK's own primitives: PBKDF2WithHmacSHA256 for passwords
 * (salted, {@link CredentialsFile#MIN_ITERATIONS} rounds or more), SHA-256 for tokens (256 random
 * bits need no stretching). Comparisons are constant-time ({@link MessageDigest#isEqual}).
 */
public final class PasswordHash {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;

  private PasswordHash() {}

  /** A new password entry with a fresh random salt. */
  public static Entry newPassword(String name, char[] password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    int iterations = CredentialsFile.MIN_ITERATIONS;
    return new Entry(
        name,
        CredentialsFile.PASSWORD_SCHEME,
        iterations,
        salt,
        pbkdf2(password, salt, iterations));
  }

  /** A new random token (returned once, in clear) and the entry that stores its hash. */
  public static String newToken() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  public static Entry tokenEntry(String name, String token) {
    return new Entry(name, CredentialsFile.TOKEN_SCHEME, 0, new byte[0], sha256(token));
  }

  /** True when {@code password} matches {@code e}; slow on purpose (PBKDF2). */
  public static boolean verify(Entry e, char[] password) {
    byte[] candidate = pbkdf2(password, e.salt(), e.iterations(), e.hash().length * 8);
    return MessageDigest.isEqual(candidate, e.hash());
  }

  static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
    return pbkdf2(password, salt, iterations, HASH_BITS);
  }

  private static byte[] pbkdf2(char[] password, byte[] salt, int iterations, int bits) {
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bits);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
    } finally {
      spec.clearPassword();
    }
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  static void wipe(char[] secret) {
    Arrays.fill(secret, '\0');
  }
}
