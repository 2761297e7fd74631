package io.httpsproxy.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.config.ConfigException;
import io.httpsproxy.config.CredentialsFile;
import io.httpsproxy.config.CredentialsFile.Entry;
import io.httpsproxy.config.UserCommandAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Password hashing, the credentials file and the verdict cache, without a server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PasswordHashTest {
  @TempDir Path dir;

  private static String basic(String user, String pw) {
    return Base64.getEncoder().encodeToString((user + ":" + pw).getBytes());
  }

  @Test
  void aPasswordVerifiesAndAWrongOneDoesNot() {
    Entry e = PasswordHash.newPassword("alice", "s3cret".toCharArray());

    assertEquals(CredentialsFile.MIN_ITERATIONS, e.iterations());
    assertTrue(PasswordHash.verify(e, "s3cret".toCharArray()));
    assertFalse(PasswordHash.verify(e, "s3cret ".toCharArray()));
  }

  @Test
  void measuresTheCostOfOneVerification() {
    Entry e = PasswordHash.newPassword("alice", "s3cret".toCharArray());
    PasswordHash.verify(e, "warm-up".toCharArray());
    long start = System.nanoTime();
    int n = 5;
    for (int i = 0; i < n; i++) {
      PasswordHash.verify(e, "s3cret".toCharArray());
    }
    long msEach = (System.nanoTime() - start) / 1_000_000 / n;
    System.out.println("PBKDF2-HMAC-SHA256 x" + e.iterations() + ": " + msEach + " ms per verify");
    assertTrue(msEach > 0);
  }

  @Test
  void theFileRoundTripsAndHoldsNoSecretInClear() throws Exception {
    Path f = dir.resolve("credentials");
    String token = PasswordHash.newToken();
    CredentialsFile.write(
        f,
        List.of(
            PasswordHash.newPassword("alice", "s3cret".toCharArray()),
            PasswordHash.tokenEntry("ci", token)));

    String text = Files.readString(f);
    assertFalse(text.contains("s3cret"));
    assertFalse(text.contains(token));
    Authenticator auth = Authenticator.of(CredentialsFile.read(f));
    assertEquals(Optional.of("alice"), auth.verifyBasic(basic("alice", "s3cret")));
    assertEquals(Optional.empty(), auth.verifyBasic(basic("alice", "wrong")));
    assertEquals(Optional.empty(), auth.verifyBasic(basic("mallory", "s3cret")));
    assertEquals(Optional.of("ci"), auth.verifyBearer(token));
    assertEquals(Optional.empty(), auth.verifyBearer(token + "x"));
  }

  @Test
  void verdictsAreCachedBothWays() {
    Authenticator auth =
        Authenticator.of(List.of(PasswordHash.newPassword("alice", "s3cret".toCharArray())));

    assertEquals(Optional.empty(), auth.cachedBasic(basic("alice", "s3cret")));
    auth.verifyBasic(basic("alice", "s3cret"));
    auth.verifyBasic(basic("alice", "nope"));
    assertEquals(Optional.of(Optional.of("alice")), auth.cachedBasic(basic("alice", "s3cret")));
    assertEquals(Optional.of(Optional.empty()), auth.cachedBasic(basic("alice", "nope")));
  }

  @Test
  void refusesWeakOrMalformedLinesAtStartUpWithoutEchoingThem() throws Exception {
    Path f = dir.resolve("bad");
    Files.writeString(
        f,
        "# ok\nbob:pbkdf2-sha256:1000:AAAAAAAAAAAAAAAAAAAAAA==:"
            + Base64.getEncoder().encodeToString(new byte[32])
            + "\n");

    ConfigException e = assertThrows(ConfigException.class, () -> CredentialsFile.read(f));
    assertTrue(e.getMessage().startsWith("credentialsFile: "), e.getMessage());
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    assertFalse(e.getMessage().contains("AAAA"), e.getMessage());
  }

  @Test
  void userAddWritesAHashedEntryAndReplacesAnOldPassword() throws Exception {
    Path f = dir.resolve("conf/credentials");

    assertEquals(
        0, UserCommandAccess.run("add", "alice", "--password", "one", "--file", f.toString()));
    assertEquals(
        0, UserCommandAccess.run("add", "alice", "--password", "two", "--file", f.toString()));
    assertEquals(0, UserCommandAccess.run("token", "alice", "--file", f.toString()));
    assertEquals(
        2, UserCommandAccess.run("add", "bad:name", "--password", "x", "--file", f.toString()));

    List<Entry> entries = CredentialsFile.read(f);
    assertEquals(2, entries.size());
    Authenticator auth = Authenticator.of(entries);
    assertEquals(Optional.of("alice"), auth.verifyBasic(basic("alice", "two")));
    assertEquals(Optional.empty(), auth.verifyBasic(basic("alice", "one")));
  }
}
