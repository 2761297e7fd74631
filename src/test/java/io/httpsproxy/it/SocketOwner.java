package io.httpsproxy.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which process holds a TCP connection, read from Linux's /proc: the connection's inode from
 * /proc/net/tcp{,6}, then the process's file descriptors. Every node of a {@link LocalCluster} is
 * on 127.0.0.1, so an upstream cannot tell them apart by address; the port it saw names the node.
 */
final class SocketOwner {
  private SocketOwner() {}

  /**
   * Whether process {@code pid} holds an open connection from {@code localPort} to {@code
   * remotePort}.
   */
  static boolean holds(long pid, int localPort, int remotePort) throws IOException {
    Set<String> inodes = inodes(localPort, remotePort);
    if (inodes.isEmpty()) {
      return false;
    }
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
      for (Path fd : fds) {
        String link;
        try {
          link = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue; // closed while we looked
        }
        if (link.startsWith("socket:[") && inodes.contains(link.substring(8, link.length() - 1))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Inodes of the sockets from {@code localPort} to {@code remotePort}, in any state but closed.
   */
  private static Set<String> inodes(int localPort, int remotePort) throws IOException {
    Set<String> found = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.isReadable(p)) {
        continue;
      }
      List<String> lines = Files.readAllLines(p);
      for (String line : lines.subList(1, lines.size())) {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
        String[] f = line.trim().split("\\s+");
        if (port(f[1]) == localPort && port(f[2]) == remotePort && !f[9].equals("0")) {
          found.add(f[9]);
        }
      }
    }
    return found;
  }

  private static int port(String hexAddress) {
    return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
  }
}
