package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.it.JarProcess.Finished;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code user add} from the shaded jar writes a hashed entry that a node then accepts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UserCommandIT {
  private static final Duration QUICK = Duration.ofSeconds(20);

  @Test
  void userAddWritesAHashedEntryAndABadFileStopsStartUpWithExit2() throws Exception {
    Path dir = JarProcess.workDir();
    Path creds = dir.resolve("creds-" + System.nanoTime());

    Finished add =
        JarProcess.run(
            dir,
            Map.of(),
            QUICK,
            List.of("user", "add", "alice", "--password", "pw-123", "--file", creds.toString()));

    assertEquals(0, add.exitCode(), add.stderr());
    String text = Files.readString(creds);
    assertTrue(text.contains("alice:pbkdf2-sha256:210000:"), text);
    assertFalse(text.contains("pw-123"));

    Files.writeString(creds, "alice:plain:pw-123\n");
    Finished bad =
        JarProcess.run(
            dir, Map.of(), QUICK, JarProcess.nodeArgs(dir, "--credentials-file", creds.toString()));
    assertEquals(2, bad.exitCode(), bad.stderr());
    assertTrue(bad.stderr().contains("credentialsFile: "), bad.stderr());
    assertFalse(bad.stderr().contains("pw-123"), bad.stderr());
  }

  @Test
  void ownerHandsTheFileToTheServiceUserAndARootRunWithoutItSaysSo() throws Exception {
    Path dir = JarProcess.workDir();
    Path creds = dir.resolve("owned-" + System.nanoTime());
    Finished owned =
        JarProcess.run(
            dir,
            Map.of(),
            QUICK,
            List.of(
                "user", "token", "ci", "--owner", "nobody:nogroup", "--file", creds.toString()));
    assertEquals(0, owned.exitCode(), owned.stderr());
    assertEquals("nobody", Files.getOwner(creds).getName());
    assertEquals(
        "nogroup",
        Files.readAttributes(creds, java.nio.file.attribute.PosixFileAttributes.class)
            .group()
            .getName());
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(creds)));

    Path none = dir.resolve("not-written-" + System.nanoTime());
    Finished unknown =
        JarProcess.run(
            dir,
            Map.of(),
            QUICK,
            List.of(
                "user",
                "add",
                "bob",
                "--password",
                "pw",
                "--owner",
                "no-such-user-x",
                "--file",
                none.toString()));
    assertEquals(2, unknown.exitCode(), unknown.stderr());
    assertTrue(unknown.stderr().contains("no-such-user-x"), unknown.stderr());
    assertFalse(Files.exists(none), "nothing written for an owner that does not exist");

    Path plain = dir.resolve("plain-" + System.nanoTime());
    Finished noOwner =
        JarProcess.run(
            dir,
            Map.of(),
            QUICK,
            List.of("user", "add", "carol", "--password", "pw", "--file", plain.toString()));
    assertEquals(0, noOwner.exitCode(), noOwner.stderr());
    boolean root = "root".equals(System.getProperty("user.name"));
    assertEquals(root, noOwner.stderr().contains("--owner"), noOwner.stderr());
  }
}
