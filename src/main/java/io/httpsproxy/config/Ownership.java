package io.httpsproxy.config;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * Who owns a credentials file that {@code user add} / {@code user token} wrote. It is mode 600, so
 * a file written by root is unreadable to the service user: {@code --owner} hands it over, and
 * without it a root run says so.
 */
final class Ownership {
  private Ownership() {}

  /** A user and, optionally, a group, looked up once. */
  private record Owner(UserPrincipal user, GroupPrincipal group) {
    static Owner of(String owner) throws IOException {
      String[] parts = owner.split(":", 2);
      UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
      return new Owner(
          users.lookupPrincipalByName(parts[0]),
          parts.length == 2 && !parts[1].isEmpty()
              ? users.lookupPrincipalByGroupName(parts[1])
              : null);
    }
  }

  /** 0, or 2 (and why, on stderr) when {@code owner} names no user or group here. */
  static int check(String owner, String command) {
    if (owner == null) {
      return 0;
    }
    try {
      Owner.of(owner);
      return 0;
    } catch (IOException e) {
      System.err.println(command + ": --owner " + owner + ": no such user or group");
      return 2;
    }
  }

  /** 0, or 2 when {@code owner} names nobody or cannot be applied. */
  static int apply(Path path, String owner, String command) throws IOException {
    if (owner == null) {
      if ("root".equals(System.getProperty("user.name"))) {
        System.err.println(
            command
                + ": note: "
                + path
                + " is mode 600 and owned by root, so a service running as another user cannot"
                + " read it: pass --owner https-proxy (or chown it)");
      }
      return 0;
    }
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    try {
      Owner o = Owner.of(owner);
      view.setOwner(o.user());
      if (o.group() != null) {
        view.setGroup(o.group());
      }
    } catch (UserPrincipalNotFoundException e) {
      System.err.println(command + ": --owner " + owner + ": no such user or group");
      return 2;
    } catch (IOException e) {
      System.err.println(
          command + ": --owner " + owner + ": cannot change the owner (" + e.getMessage() + ")");
      return 2;
    }
    return 0;
  }
}
