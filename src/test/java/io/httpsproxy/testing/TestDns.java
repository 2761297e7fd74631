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
 * TTL 0 and may change from one query to the next ({@link #answerInTurn}).
 */
public final class TestDns implements AutoCloseable {
  private final DatagramSocket socket;
  private final Map<String, List<byte[]>> records = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> aQueries = new ConcurrentHashMap<>();
  private final AtomicInteger queries = new AtomicInteger();
  private final Thread thread;

  public TestDns() throws IOException {
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
        byte[] answer = answer(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
        socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
      } catch (IOException | RuntimeException e) {
        if (socket.isClosed()) {
          return;
        }
      }
    }
  }

  private byte[] answer(ByteBuffer q) {
    int len = q.remaining();
    byte[] query = new byte[len];
    q.get(query);
    // Question name starts at byte 12; walk its labels.
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
    int qtype = ((query[i + 1] & 0xff) << 8) | (query[i + 2] & 0xff);
    int questionEnd = i + 5;
    String key = name.toString().toLowerCase(Locale.ROOT);
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

  @Override
  public void close() {
    socket.close();
  }
}
