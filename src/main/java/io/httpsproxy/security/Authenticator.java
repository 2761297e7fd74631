package io.httpsproxy.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.config.CredentialsFile.Entry;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks Basic credentials and Bearer tokens against the credentials file. Thread-safe: shared by
 * every ingress verticle of a node.
 *
 * <p>A PBKDF2 check at 210,000 rounds costs some 67 ms of CPU (see README), far too much per
 * request, so verdicts are cached, both ways: a correct password is not stretched again while it is
 * in use ({@link #CACHE_TTL} after its last use), a wrong one repeated costs nothing more for
 * {@link #CACHE_TTL}. The two verdicts have separate caches, so a flood of wrong passwords cannot
 * evict the clients that know theirs. The cache key is an HMAC-SHA256 of the credential under a key
 * made at start-up, so the cache never holds a password and its keys cannot be tested offline. A
 * changed credentials file makes a new Authenticator, so a cached success never outlives its entry.
 * Unknown users are checked against a dummy entry, so the time taken does not tell which user names
 * exist. How often and how fast a client may try is {@link AuthGuard}'s business.
 */
public final class Authenticator {
  public static final String REALM = "https-proxy";
  static final Duration CACHE_TTL = Duration.ofSeconds(60);
  private static final int CACHE_SIZE = 10_000;

  private final Map<String, Entry> passwords = new HashMap<>();
  private final List<Entry> tokens = new ArrayList<>();
  private final Entry dummy;
  private final byte[] cacheKey = new byte[32];
  private final Cache<String, String> accepted =
      Caffeine.newBuilder().maximumSize(CACHE_SIZE).expireAfterAccess(CACHE_TTL).build();
  private final Cache<String, Boolean> refused =
      Caffeine.newBuilder().maximumSize(CACHE_SIZE).expireAfterWrite(CACHE_TTL).build();

  private Authenticator(List<Entry> entries) {
    for (Entry e : entries) {
      if (e.isToken()) {
        tokens.add(e);
      } else {
        passwords.put(e.name(), e);
      }
    }
    dummy = PasswordHash.newPassword("-", "not a password".toCharArray());
    new SecureRandom().nextBytes(cacheKey);
  }

  public static Authenticator of(List<Entry> entries) {
    return new Authenticator(entries);
  }

  /**
   * The cached verdict on a Basic credential (the base64 text after "Basic "): empty when not
   * cached; a present Optional holds the user name, or is empty when the credential was refused.
   */
  public Optional<Optional<String>> cachedBasic(String basic) {
    String key = key(basic);
    String user = accepted.getIfPresent(key);
    if (user != null) {
      return Optional.of(Optional.of(user));
    }
    return refused.getIfPresent(key) != null ? Optional.of(Optional.empty()) : Optional.empty();
  }

  /** Checks a Basic credential (slow: call off the event loop); the user name, or empty. */
  public Optional<String> verifyBasic(String basic) {
    Optional<String> user = check(basic);
    String key = key(basic);
    if (user.isPresent()) {
      accepted.put(key, user.get());
    } else {
      refused.put(key, Boolean.TRUE);
    }
    return user;
  }

  /**
   * The user name in a Basic credential, without checking it: null when the credential is malformed
   * (not base64, no colon, an empty name), "" when the name is one no credentials file can hold
   * (such a name is no user to protect).
   */
  public static String userName(String basic) {
    String decoded = decode(basic);
    int colon = decoded == null ? -1 : decoded.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    String name = decoded.substring(0, colon);
    return CredentialsFile.validName(name) ? name : "";
  }

  /** Checks a Bearer token against every stored token hash, in constant time for each. */
  public Optional<String> verifyBearer(String token) {
    byte[] hash = PasswordHash.sha256(token);
    String found = null;
    for (Entry e : tokens) {
      if (MessageDigest.isEqual(hash, e.hash()) && found == null) {
        found = e.name();
      }
    }
    return Optional.ofNullable(found);
  }

  private static String decode(String basic) {
    try {
      return new String(Base64.getDecoder().decode(basic.trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private Optional<String> check(String basic) {
    String decoded = decode(basic);
    int colon = decoded == null ? -1 : decoded.indexOf(':');
    if (colon <= 0) {
      return Optional.empty();
    }
    String name = decoded.substring(0, colon);
    char[] password = decoded.substring(colon + 1).toCharArray();
    try {
      Entry e = passwords.get(name);
      boolean ok = PasswordHash.verify(e == null ? dummy : e, password);
      return ok && e != null ? Optional.of(name) : Optional.empty();
    } finally {
      PasswordHash.wipe(password);
    }
  }

  private String key(String credential) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(cacheKey, "HmacSHA256"));
      byte[] d = mac.doFinal(credential.trim().getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(d);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
