package io.httpsproxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code openssl s_client}, for what curl cannot offer towards a proxy: an old protocol
 * version, a saved session to resume. Returns stdout and stderr together.
 */
public final class OpenSslClient {
  private OpenSslClient() {}

  /** Runs s_client with {@code stdin} as its input (then EOF), e.g. a request to send. */
  public static String run(int port, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.ISO_8859_1));
    p.getOutputStream().close(); // then EOF: s_client handshakes, sends, prints, and exits
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("openssl did not finish: " + cmd);
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
