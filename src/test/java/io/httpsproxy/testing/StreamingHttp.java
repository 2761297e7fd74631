package io.httpsproxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A blocking HTTP/1.1 client on one socket that streams both ways: the request body is generated
 * slice by slice from {@link Bodies} (Content-Length or chunked) on a writer thread while the
 * response is read through SHA-256 on the caller's. Nothing is held whole, so 100 MiB bodies cost
 * nothing; and it reports exactly what arrived: a cut body is {@code complete == false}, never an
 * exception, so tests can assert truncation. Plain to the proxy (absolute-form and the API) or TLS
 * inside a CONNECT tunnel (origin-form).
 */
public final class StreamingHttp implements AutoCloseable {
  private static final int SLICE = 64 * 1024;
  private static final int READ_TIMEOUT_MS = 30_000;
  private static final byte[] CRLF = {'\r', '\n'};

  /** A request body: {@code length} bytes of {@link Bodies} for {@code seed}, or given bytes. */
  public record Body(long length, long seed, boolean chunked, byte[] bytes) {
    public static Body generated(long length, long seed, boolean chunked) {
      return new Body(length, seed, chunked, null);
    }

    public static Body of(byte[] bytes) {
      return new Body(bytes.length, 0, false, bytes);
    }

    void slice(long offset, byte[] dst, int len) {
      if (bytes != null) {
        System.arraycopy(bytes, (int) offset, dst, 0, len);
      } else {
        Bodies.fill(seed, offset, dst, 0, len);
      }
    }
  }

  /**
   * A response as it arrived. {@code complete}: the body ended as its framing said (all of
   * Content-Length, the last chunk, or end of stream without either). {@code body} is kept only
   * when asked for.
   */
  public record Response(
      int status,
      Map<String, String> headers,
      long bodyBytes,
      String sha256,
      boolean complete,
      byte[] body,
      IOException error) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String text() {
      return body == null ? null : new String(body, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private volatile IOException writeError;
  private Thread writer;

  private StreamingHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), SLICE);
    this.out = socket.getOutputStream();
  }

  /** A plain connection to {@code 127.0.0.1:port}. */
  public static StreamingHttp open(int port) throws IOException {
    return open(port, 0);
  }

  /**
   * A plain connection with fixed send and receive buffers of {@code socketBuffer} bytes ({@code
   * 0}: the kernel's autotuned ones, up to 4 and 32 MiB here), so that what the test counts as sent
   * or read is close to what the proxy took or gave.
   */
  public static StreamingHttp open(int port, int socketBuffer) throws IOException {
    return new StreamingHttp(connect(port, socketBuffer));
  }

  /** {@code CONNECT authority} through the proxy, then TLS to the upstream trusting {@code tls}. */
  public static StreamingHttp tunnel(int proxyPort, String authority, SSLContext tls)
      throws IOException {
    return tunnel(proxyPort, authority, tls, 0);
  }

  /**
   * A tunnel whose client socket has fixed buffers, as {@link #open(int, int)}; a null {@code tls}
   * speaks plain HTTP inside it.
   */
  public static StreamingHttp tunnel(
      int proxyPort, String authority, SSLContext tls, int socketBuffer) throws IOException {
    Socket raw = connect(proxyPort, socketBuffer);
    raw.getOutputStream()
        .write(
            ("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    String head = readHead(raw.getInputStream());
    if (!head.startsWith("HTTP/1.1 200")) {
      raw.close();
      throw new IOException("CONNECT refused: " + head);
    }
    if (tls == null) {
      return new StreamingHttp(raw);
    }
    String host = authority.substring(0, authority.lastIndexOf(':'));
    int port = Integer.parseInt(authority.substring(authority.lastIndexOf(':') + 1));
    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, host, port, true);
    SSLParameters params = s.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(params);
    s.startHandshake();
    return new StreamingHttp(s);
  }

  /** A TLS context that trusts only the test CA in {@code caPem}. */
  public static SSLContext trusting(Path caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream pem = Files.newInputStream(caPem)) {
      ks.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(pem));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** Request body bytes the socket has accepted so far (a full socket blocks the writer). */
  public long sent() {
    return sent.get();
  }

  /** Response body bytes read so far. */
  public long received() {
    return received.get();
  }

  /** Why the body could not be written to the end, or null. */
  public IOException writeError() {
    return writeError;
  }

  /** {@code GET target} with no body, keeping nothing but the digest. */
  public Response get(String target, String host) throws IOException {
    return exchange("GET", target, host, null, null, false);
  }

  /**
   * Sends one request (the body, if any, on a writer thread) and reads its response. {@code onRead}
   * is called on this thread with the body bytes read so far after every read: it may sleep to read
   * slowly. {@code keep}: also return the body itself (only for bodies a test may hold).
   */
  public Response exchange(
      String method, String target, String host, Body body, LongConsumer onRead, boolean keep)
      throws IOException {
    send(method, target, host, body);
    Response r = read(method.equals("HEAD"), onRead == null ? n -> {} : onRead, keep);
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return r;
  }

  /** Starts sending a request (head and body, on the writer thread) without reading anything. */
  public void send(String method, String target, String host, Body body) {
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host).append("\r\n");
    if (body != null) {
      head.append(
          body.chunked()
              ? "Transfer-Encoding: chunked\r\n"
              : "Content-Length: " + body.length() + "\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    sent.set(0);
    received.set(0);
    writeError = null;
    writer = new Thread(() -> write(headBytes, body), "streaming-http-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /** Reads the response to what {@link #send} sent, keeping only its digest. */
  public Response read() throws IOException {
    return read(false, n -> {}, false);
  }

  /**
   * Reads on after a response: true if the other side closes (end of stream or reset) within {@code
   * timeout}; false if it stays open and silent. Bytes that arrive instead are an error.
   */
  public boolean closedWithin(Duration timeout) throws IOException {
    socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
    try {
      int b = in.read();
      if (b >= 0) {
        throw new IOException("unexpected byte after the response: " + b);
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    } finally {
      socket.setSoTimeout(READ_TIMEOUT_MS);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private void write(byte[] head, Body body) {
    try {
      out.write(head);
      if (body != null) {
        byte[] buf = new byte[SLICE];
        for (long done = 0; done < body.length(); ) {
          int n = (int) Math.min(SLICE, body.length() - done);
          body.slice(done, buf, n);
          if (body.chunked()) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          }
          out.write(buf, 0, n);
          if (body.chunked()) {
            out.write(CRLF);
          }
          done += n;
          sent.set(done);
        }
        if (body.chunked()) {
          out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
      }
      out.flush();
    } catch (IOException e) {
      writeError = e;
    }
  }

  private Response read(boolean head, LongConsumer onRead, boolean keep) throws IOException {
    String first;
    do {
      try {
        first = readHead(in);
      } catch (IOException e) {
        return new Response(-1, Map.of(), 0, null, false, null, e);
      }
    } while (first.startsWith("HTTP/1.1 1")); // 100 Continue and friends
    int status = Integer.parseInt(first.substring(9, 12));
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line : first.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("HTTP/")) {
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    MessageDigest md = Bodies.newSha256();
    ByteArrayOutputStream kept = keep ? new ByteArrayOutputStream() : null;
    boolean complete;
    IOException error = null;
    try {
      if (head || status == 204 || status == 304) {
        complete = true;
      } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        complete = readChunked(md, kept, onRead);
      } else if (headers.containsKey("content-length")) {
        complete = readBody(Long.parseLong(headers.get("content-length")), md, kept, onRead);
      } else {
        readBody(Long.MAX_VALUE, md, kept, onRead);
        complete = true; // close-delimited: to a client, the end of stream IS the end of the body
      }
    } catch (IOException e) {
      complete = false;
      error = e;
    }
    return new Response(
        status,
        headers,
        received.get(),
        Bodies.hex(md.digest()),
        complete,
        kept == null ? null : kept.toByteArray(),
        error);
  }

  private boolean readChunked(MessageDigest md, ByteArrayOutputStream kept, LongConsumer onRead)
      throws IOException {
    while (true) {
      String line = readLine(in);
      int semi = line.indexOf(';');
      long size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // trailers
        }
        return true;
      }
      if (!readBody(size, md, kept, onRead)) {
        throw new EOFException("closed inside a chunk");
      }
      if (!readLine(in).isEmpty()) {
        throw new IOException("chunk not followed by CRLF");
      }
    }
  }

  /** Reads up to {@code length} bytes; false if the stream ended first. */
  private boolean readBody(
      long length, MessageDigest md, ByteArrayOutputStream kept, LongConsumer onRead)
      throws IOException {
    byte[] buf = new byte[SLICE];
    for (long left = length; left > 0; ) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        return false;
      }
      md.update(buf, 0, n);
      if (kept != null) {
        kept.write(buf, 0, n);
      }
      left -= n;
      onRead.accept(received.addAndGet(n));
    }
    return true;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("closed inside a line: " + b);
      }
      if (c == '\n') {
        int len = b.length();
        return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
      }
      b.append((char) c);
    }
  }

  /** The head up to and without the blank line, read a byte at a time (nothing past it). */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("closed before the response head: " + head);
      }
      head.append((char) c);
    }
    return head.substring(0, head.length() - 4);
  }

  private static Socket connect(int port, int socketBuffer) throws IOException {
    Socket s = new Socket();
    if (socketBuffer > 0) {
      s.setReceiveBufferSize(socketBuffer);
      s.setSendBufferSize(socketBuffer);
    }
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(READ_TIMEOUT_MS);
    return s;
  }
}
