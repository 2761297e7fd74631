package io.httpsproxy.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny DNS server on 127.0.0.1 for tests: answers A queries from a map and NXDOMAIN for every
 * other name, so no test ever asks a real resolver (and no packet leaves loopback). Answers carry
 * TTL 0 and may change from one query to the next ({@link #answerInTurn}). Failure kinds for the
 * resolver tests: a name answered SERVFAIL or REFUSED, NXDOMAIN with an SOA giving the negative
 * TTL, and a server that never answers ({@link #silent()}); every query is counted per name.
 */
public final class TestDns implements AutoCloseable {
  private final DatagramSocket socket;
  private final Map<String, List<byte[]>> records = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> aQueries = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> byName = new ConcurrentHashMap<>();
  private final Map<String, Integer> rcodes = new ConcurrentHashMap<>();
  private final Map<String, int[]> soas = new ConcurrentHashMap<>();
  private final AtomicInteger queries = new AtomicInteger();
  private final Thread thread;
  private final boolean silent;

  public TestDns() throws IOException {
    this(false);
  }

  /** A server that counts the queries it receives and never answers one. */
  public static TestDns silent() throws IOException {
    return new TestDns(true);
  }

  private TestDns(boolean silent) throws IOException {
    this.silent = silent;
    socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    thread = new Thread(this::serve, "test-dns");
    thread.setDaemon(true);
    thread.start();
  }

  /** "127.0.0.1:port", the value for the proxy's dnsServers setting. */
  public String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  public TestDns add(String name, String ipv4) throws IOException {
    return answerInTurn(name, ipv4);
  }

  /**
   * The n-th A query for {@code name} gets the n-th address (the last one repeats), with TTL 0 so
   * no cache hides a second lookup: a rebinding resolver.
   */
  public TestDns answerInTurn(String name, String... ipv4s) throws IOException {
    List<byte[]> answers = new ArrayList<>();
    for (String ip : ipv4s) {
      byte[] raw = InetAddress.getByName(ip).getAddress();
      if (raw.length != 4 || raw[0] != 127) {
        throw new IllegalArgumentException("tests only use 127.x addresses: " + ip);
      }
      answers.add(raw);
    }
    records.put(name.toLowerCase(Locale.ROOT), answers);
    return this;
  }

  public int queries() {
    return queries.get();
  }

  /** Queries of any type received for {@code name}. */
  public int queries(String name) {
    AtomicInteger n = byName.get(name.toLowerCase(Locale.ROOT));
    return n == null ? 0 : n.get();
  }

  /** Every query for {@code name} is answered SERVFAIL. */
  public TestDns servfail(String name) {
    rcodes.put(name.toLowerCase(Locale.ROOT), 2);
    return this;
  }

  /** Every query for {@code name} is answered REFUSED. */
  public TestDns refused(String name) {
    rcodes.put(name.toLowerCase(Locale.ROOT), 5);
    return this;
  }

  /**
   * {@code name} does not exist: NXDOMAIN with an SOA record in the authority section (RFC 2308),
   * whose TTL and MINIMUM bound how long a resolver may remember the answer.
   */
  public TestDns nxdomain(String name, int soaTtl, int soaMinimum) {
    rcodes.put(name.toLowerCase(Locale.ROOT), 3);
    soas.put(name.toLowerCase(Locale.ROOT), new int[] {soaTtl, soaMinimum});
    return this;
  }

  /** A (IPv4) queries received for {@code name}. */
  public int aQueries(String name) {
    AtomicInteger n = aQueries.get(name.toLowerCase(Locale.ROOT));
    return n == null ? 0 : n.get();
  }

  private void serve() {
    byte[] buf = new byte[512];
    while (!socket.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
        queries.incrementAndGet();
        if (silent) {
          countName(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
          continue;
        }
        byte[] answer = answer(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
        socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
      } catch (IOException | RuntimeException e) {
        if (socket.isClosed()) {
          return;
        }
      }
    }
  }

  private void countName(ByteBuffer q) {
    byte[] query = new byte[q.remaining()];
    q.get(query);
    byName.computeIfAbsent(questionName(query), k -> new AtomicInteger()).incrementAndGet();
  }

  /** The question's name, lower case: it starts at byte 12. */
  private static String questionName(byte[] query) {
    StringBuilder name = new StringBuilder();
    int i = 12;
    while (query[i] != 0) {
      int l = query[i];
      if (name.length() > 0) {
        name.append('.');
      }
      name.append(new String(query, i + 1, l, java.nio.charset.StandardCharsets.US_ASCII));
      i += l + 1;
    }
    return name.toString().toLowerCase(Locale.ROOT);
  }

  private byte[] answer(ByteBuffer q) {
    int len = q.remaining();
    byte[] query = new byte[len];
    q.get(query);
    String key = questionName(query);
    byName.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    int i = 12 + key.length() + (key.isEmpty() ? 0 : 1);
    int qtype = ((query[i + 1] & 0xff) << 8) | (query[i + 2] & 0xff);
    int questionEnd = i + 5;
    Integer rcode = rcodes.get(key);
    if (rcode != null) {
      return failure(query, questionEnd, rcode, soas.get(key));
    }
    List<byte[]> answers = records.get(key);
    boolean known = answers != null;
    boolean withAnswer = known && qtype == 1;
    byte[] ip = null;
    if (withAnswer) {
      int n = aQueries.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
      ip = answers.get(Math.min(n, answers.size() - 1));
    }
    ByteBuffer out = ByteBuffer.allocate(questionEnd + (withAnswer ? 16 : 0));
    out.put(query, 0, 2); // id
    out.put((byte) (0x80 | 0x04 | (query[2] & 0x01))); // QR, AA, RD copied
    out.put((byte) (known ? 0x00 : 0x03)); // RCODE: NOERROR or NXDOMAIN
    out.putShort((short) 1)
        .putShort((short) (withAnswer ? 1 : 0))
        .putShort((short) 0)
        .putShort((short) 0);
    out.put(query, 12, questionEnd - 12);
    if (withAnswer) {
      out.putShort((short) 0xC00C)
          .putShort((short) 1)
          .putShort((short) 1)
          .putInt(0)
          .putShort((short) 4);
      out.put(ip);
    }
    return out.array();
  }

  private static byte[] failure(byte[] query, int questionEnd, int rcode, int[] soa) {
    ByteBuffer out = ByteBuffer.allocate(questionEnd + (soa != null ? 34 : 0));
    out.put(query, 0, 2); // id
    out.put((byte) (0x80 | 0x04 | (query[2] & 0x01))); // QR, AA, RD copied
    out.put((byte) (0x80 | rcode)); // RA, RCODE
    out.putShort((short) 1)
        .putShort((short) 0)
        .putShort((short) (soa != null ? 1 : 0))
        .putShort((short) 0);
    out.put(query, 12, questionEnd - 12);
    if (soa != null) {
      // Owner: the question's name; MNAME and RNAME: the root; then the five counters.
      out.putShort((short) 0xC00C).putShort((short) 6).putShort((short) 1).putInt(soa[0]);
      out.putShort((short) 22).put((byte) 0).put((byte) 0);
      out.putInt(1).putInt(3600).putInt(600).putInt(86400).putInt(soa[1]);
    }
    return out.array();
  }

  @Override
  public void close() {
    socket.close();
  }
}
