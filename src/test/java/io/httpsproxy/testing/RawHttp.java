package io.httpsproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Raw bytes over a socket, for request lines and framing that well-behaved clients refuse to send.
 * Reads until the server closes or goes quiet.
 */
public final class RawHttp {
  private RawHttp() {}

  /** Sends {@code request} and returns everything received within {@code quietMs} of silence. */
  public static String exchange(int port, String request, int quietMs) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(quietMs);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) > 0) {
          out.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        // quiet for quietMs: take what came
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * One request on an open (kept-alive) socket: sends {@code request} and reads one response, head
   * and a Content-Length body, leaving the socket open for the next.
   */
  public static String exchange(Socket s, String request) throws IOException {
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed before the response head: " + head);
      }
      head.append((char) c);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
  }

  /** The status code of the first response in {@code raw}, or -1. */
  public static int status(String raw) {
    if (!raw.startsWith("HTTP/1.")) {
      return -1;
    }
    return Integer.parseInt(raw.substring(9, 12));
  }
}
