package io.httpsproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-HTTP upstream on a loopback socket that answers with exactly the bytes a test scripts:
 * invalid status lines, unsolicited responses, bytes past the framing, answers that come late. It
 * records every connection (when it opened and when the proxy closed it) and every request it read,
 * so a test can assert which connection carried what and that nothing reached it.
 */
public final class RawUpstream implements AutoCloseable {
  /** A request as read: which connection (from 1), its place on it (from 1), its head. */
  public record Request(int conn, int index, String line, String head, long bodyBytes) {
    public String path() {
      String[] parts = line.split(" ");
      return parts.length > 1 ? parts[1] : "";
    }
  }

  /**
   * What to send: {@code delayMs} after the request (the proxy closing the connection meanwhile is
   * recorded), then {@code bytes}, then {@code laterMs} later {@code later} (may be null), then the
   * connection closes when {@code close}.
   */
  public record Reply(long delayMs, String bytes, long laterMs, String later, boolean close) {
    public static Reply of(String bytes) {
      return new Reply(0, bytes, 0, null, false);
    }

    public static Reply ok(String body) {
      return of("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    }

    public Reply after(long ms) {
      return new Reply(ms, bytes, laterMs, later, close);
    }

    public Reply then(long ms, String more) {
      return new Reply(delayMs, bytes, ms, more, close);
    }

    public Reply closing() {
      return new Reply(delayMs, bytes, laterMs, later, true);
    }
  }

  /** Decides the reply to each request. */
  public interface Script {
    Reply reply(Request r);
  }

  private final ServerSocket server;
  private final Script script;
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Request> heads = new CopyOnWriteArrayList<>();
  private final Map<Integer, Long> openedAt = new ConcurrentHashMap<>();
  private final Map<Integer, Long> closedAt = new ConcurrentHashMap<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  private RawUpstream(Script script) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.script = script;
    this.acceptor = new Thread(this::accept, "raw-upstream-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static RawUpstream start(Script script) throws IOException {
    return new RawUpstream(script);
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Requests read whole (head and body), in order. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Every request head read, as soon as it was read (bodyBytes -1: the body may never come). */
  public List<Request> heads() {
    return List.copyOf(heads);
  }

  /** System.nanoTime() when connection {@code conn} was closed by the proxy, or null. */
  public Long closedAt(int conn) {
    return closedAt.get(conn);
  }

  public Long openedAt(int conn) {
    return openedAt.get(conn);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        int conn = connections.incrementAndGet();
        openedAt.put(conn, System.nanoTime());
        sockets.add(s);
        Thread t = new Thread(() -> serve(s, conn), "raw-upstream-conn-" + conn);
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s, int conn) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      for (int index = 1; ; index++) {
        String head = readHead(in);
        if (head == null) {
          break;
        }
        String line = head.substring(0, head.indexOf("\r\n"));
        heads.add(new Request(conn, index, line, head, -1));
        long body = readBody(in, head);
        if (body < 0) {
          break;
        }
        Request r = new Request(conn, index, line, head, body);
        requests.add(r);
        Reply reply = script.reply(r);
        if (reply.delayMs() > 0 && closedWithin(s, in, reply.delayMs())) {
          break;
        }
        write(out, reply.bytes());
        if (reply.later() != null) {
          if (closedWithin(s, in, reply.laterMs())) {
            break;
          }
          write(out, reply.later());
        }
        if (reply.close()) {
          return;
        }
      }
    } catch (IOException e) {
      // the proxy reset or closed the connection
    } finally {
      closedAt.putIfAbsent(conn, System.nanoTime());
    }
  }

  /** Waits {@code ms} for the reply's time; true (and recorded) if the proxy closed meanwhile. */
  private static boolean closedWithin(Socket s, InputStream in, long ms) throws IOException {
    long deadline = System.nanoTime() + ms * 1_000_000;
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return false;
        }
        s.setSoTimeout((int) left);
        try {
          if (in.read() < 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          return false;
        }
      }
    } finally {
      s.setSoTimeout(0);
    }
  }

  private static void write(OutputStream out, String bytes) throws IOException {
    out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      head.append((char) c);
    }
    return head.toString();
  }

  /** Reads a Content-Length or chunked body; -1 when the connection ended inside it. */
  private static long readBody(InputStream in, String head) throws IOException {
    String lower = head.toLowerCase(Locale.ROOT);
    for (String line : lower.split("\r\n")) {
      if (line.startsWith("content-length:")) {
        long n = Long.parseLong(line.substring(15).trim());
        byte[] buf = new byte[8192];
        long left = n;
        while (left > 0) {
          int r = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (r < 0) {
            return -1;
          }
          left -= r;
        }
        return n;
      }
    }
    if (!lower.contains("transfer-encoding: chunked")) {
      return 0;
    }
    ByteArrayOutputStream tail = new ByteArrayOutputStream();
    long total = 0;
    while (true) {
      int c = in.read();
      if (c < 0) {
        return -1;
      }
      total++;
      tail.write(c);
      byte[] t = tail.toByteArray();
      if (t.length >= 5
          && new String(t, t.length - 5, 5, StandardCharsets.ISO_8859_1).equals("0\r\n\r\n")) {
        return total;
      }
      if (t.length > 64) {
        tail.reset();
        tail.write(t, t.length - 5, 5);
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
