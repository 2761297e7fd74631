package io.httpsproxy.config;

import io.httpsproxy.config.CredentialsFile.Entry;
import io.httpsproxy.security.PasswordHash;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code user add NAME} and {@code user token NAME}: write the credentials file. A password comes
 * from stdin (first line) unless {@code --password} gives it (visible in the process list: for
 * scripts in a trusted shell only). A token is made here, printed once and stored as a hash.
 */
@Command(
    name = "user",
    mixinStandardHelpOptions = true,
    description = "Manage the credentials file (see README 'Authentication').",
    subcommands = {UserCommand.Add.class, UserCommand.Token.class})
public final class UserCommand implements Callable<Integer> {
  static final String DEFAULT_FILE = "conf/credentials";

  @Override
  public Integer call() {
    System.err.println("usage: user add NAME | user token NAME   (see: user --help)");
    return 2;
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Add a user, or replace its password; the password is read from stdin.")
  static final class Add implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "letters, digits, . _ @ -")
    String name;

    @Option(names = "--password", description = "the password (else the first line of stdin)")
    String password;

    @Option(names = "--file", paramLabel = "FILE", description = "default: " + DEFAULT_FILE)
    String file = DEFAULT_FILE;

    @Option(
        names = "--owner",
        paramLabel = "USER[:GROUP]",
        description = "owner of the written file (mode 600: the service user must own it)")
    String owner;

    @Override
    public Integer call() throws IOException {
      if (!CredentialsFile.validName(name)) {
        System.err.println("user add: invalid NAME (expected: 1-64 of A-Z a-z 0-9 . _ @ -)");
        return 2;
      }
      String pw = password != null ? password : firstLineOfStdin();
      if (pw == null || pw.isEmpty()) {
        System.err.println("user add: empty password (give it on stdin or with --password)");
        return 2;
      }
      if (Ownership.check(owner, "user add") != 0) {
        return 2;
      }
      Path path = Path.of(file);
      List<Entry> entries = existing(path);
      entries.removeIf(e -> e.name().equals(name) && !e.isToken());
      entries.add(PasswordHash.newPassword(name, pw.toCharArray()));
      CredentialsFile.write(path, entries);
      System.out.println("user " + name + " written to " + path);
      return Ownership.apply(path, owner, "user add");
    }
  }

  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      description =
          "Make an API token for NAME (Bearer); it is printed once, only its hash is kept.")
  static final class Token implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--file", paramLabel = "FILE", description = "default: " + DEFAULT_FILE)
    String file = DEFAULT_FILE;

    @Option(
        names = "--owner",
        paramLabel = "USER[:GROUP]",
        description = "owner of the written file (mode 600: the service user must own it)")
    String owner;

    @Override
    public Integer call() throws IOException {
      if (!CredentialsFile.validName(name)) {
        System.err.println("user token: invalid NAME (expected: 1-64 of A-Z a-z 0-9 . _ @ -)");
        return 2;
      }
      if (Ownership.check(owner, "user token") != 0) {
        return 2;
      }
      Path path = Path.of(file);
      List<Entry> entries = existing(path);
      String token = PasswordHash.newToken();
      entries.add(PasswordHash.tokenEntry(name, token));
      CredentialsFile.write(path, entries);
      System.out.println(token);
      return Ownership.apply(path, owner, "user token");
    }
  }

  private static List<Entry> existing(Path path) {
    return Files.exists(path) ? new ArrayList<>(CredentialsFile.read(path)) : new ArrayList<>();
  }

  private static String firstLineOfStdin() throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    return in.readLine();
  }
}
