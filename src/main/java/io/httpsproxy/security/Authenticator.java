package io.httpsproxy.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
 * <p>A PBKDF2 check at 210,000 rounds costs a few hundred ms of CPU (see README), far too much per
 * request, so a verdict is cached for {@link #CACHE_TTL}, both ways: a correct password is not
 * stretched again, a wrong one repeated by a client costs nothing more. The cache key is an
 * HMAC-SHA256 of the credential under a key made at start-up, so the cache never holds a password
 * and its keys cannot be tested offline. Unknown users are checked against a dummy entry, so the
 * time taken does not tell which user names exist.
 */
public final class Authenticator {
  public static final String REALM = "https-proxy";
  static final Duration CACHE_TTL = Duration.ofSeconds(60);
  private static final int CACHE_SIZE = 10_000;

  private final Map<String, Entry> passwords = new HashMap<>();
  private final List<Entry> tokens = new ArrayList<>();
  private final Entry dummy;
  private final byte[] cacheKey = new byte[32];
  private final Cache<String, Optional<String>> verdicts =
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
    return Optional.ofNullable(verdicts.getIfPresent(key(basic)));
  }

  /** Checks a Basic credential (slow: call off the event loop); the user name, or empty. */
  public Optional<String> verifyBasic(String basic) {
    Optional<String> user = check(basic);
    verdicts.put(key(basic), user);
    return user;
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

  private Optional<String> check(String basic) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(basic.trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
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
