package io.httpsproxy.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A small network of Linux network namespaces for partition tests (needs root, {@code ip} and
 * {@code iptables}): one namespace per node, each with a veth whose other end is on a bridge in the
 * root namespace. Every address is private ({@code 10.213.S.0/24}, S picked at random so two labs
 * on one machine do not collide): node i is {@code 10.213.S.(i+1)}, the root namespace (the test,
 * its upstream) {@code 10.213.S.254}. Nothing is routed further: traffic stays on the bridge.
 * {@link #close()} deletes every namespace, veth and bridge it made, whatever happened.
 */
final class NetnsLab implements AutoCloseable {
  private final String tag;
  private final int subnet;
  private final int size;
  private final List<String> created = new ArrayList<>();
  private boolean bridgeUp;

  private NetnsLab(int size) {
    this.size = size;
    this.subnet = ThreadLocalRandom.current().nextInt(1, 250);
    this.tag = "hp" + subnet + "x" + ThreadLocalRandom.current().nextInt(100, 999);
  }

  /** True when this process may build namespaces (root, with ip and iptables installed). */
  static boolean available() {
    try {
      return run(false, "ip", "netns", "list") == 0 && run(false, "iptables", "--version") == 0;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  static NetnsLab create(int size) {
    NetnsLab lab = new NetnsLab(size);
    try {
      lab.build();
      return lab;
    } catch (RuntimeException e) {
      lab.close();
      throw e;
    }
  }

  private void build() {
    String br = tag + "br";
    must("ip", "link", "add", br, "type", "bridge");
    bridgeUp = true;
    must("ip", "addr", "add", hostAddress() + "/24", "dev", br);
    must("ip", "link", "set", br, "up");
    for (int i = 0; i < size; i++) {
      String ns = namespace(i);
      String outer = tag + "v" + i;
      must("ip", "netns", "add", ns);
      created.add(ns);
      must("ip", "link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", ns);
      must("ip", "link", "set", outer, "master", br);
      must("ip", "link", "set", outer, "up");
      must("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
      must("ip", "-n", ns, "link", "set", "eth0", "up");
      must("ip", "-n", ns, "link", "set", "lo", "up");
    }
  }

  String namespace(int i) {
    return tag + "n" + i;
  }

  /** Node {@code i}'s address inside its namespace. */
  String address(int i) {
    return "10.213." + subnet + "." + (i + 1);
  }

  /** The root namespace's address on the bridge: where the test and its upstream listen. */
  String hostAddress() {
    return "10.213." + subnet + ".254";
  }

  String cidr() {
    return "10.213." + subnet + ".0/24";
  }

  /** The command prefix that runs a program inside node {@code i}'s namespace. */
  List<String> exec(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  /**
   * Cuts node {@code i} off from every other node (iptables DROP, both directions, inside its
   * namespace): packets vanish as on a broken link, nothing is refused. The host stays reachable.
   */
  void isolate(int i) {
    for (int j = 0; j < size; j++) {
      if (j != i) {
        must(
            "ip",
            "netns",
            "exec",
            namespace(i),
            "iptables",
            "-A",
            "INPUT",
            "-s",
            address(j),
            "-j",
            "DROP");
        must(
            "ip",
            "netns",
            "exec",
            namespace(i),
            "iptables",
            "-A",
            "OUTPUT",
            "-d",
            address(j),
            "-j",
            "DROP");
      }
    }
  }

  /** Undoes {@link #isolate}. */
  void reconnect(int i) {
    must("ip", "netns", "exec", namespace(i), "iptables", "-F");
  }

  @Override
  public void close() {
    // The outer ends first: a namespace still referenced when deleted would keep its pair alive.
    for (int i = 0; i < created.size(); i++) {
      run(false, "ip", "link", "del", tag + "v" + i);
    }
    for (String ns : created) {
      run(true, "ip", "netns", "del", ns);
    }
    created.clear();
    if (bridgeUp) {
      run(true, "ip", "link", "del", tag + "br");
      bridgeUp = false;
    }
  }

  private static void must(String... cmd) {
    if (run(true, cmd) != 0) {
      throw new IllegalStateException("failed: " + String.join(" ", cmd));
    }
  }

  private static int run(boolean report, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      if (p.exitValue() != 0 && report) {
        System.err.println("$ " + String.join(" ", cmd) + "\n" + out);
      }
      return p.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
