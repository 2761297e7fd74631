package io.httpsproxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's curl as a real client of the proxy ({@code --proxy https://...}, client certificates).
 * Every run gets {@code --silent --show-error --max-time 20}; the HTTP status is appended to stdout
 * on a line of its own, so a test reads body and status from one run.
 */
public final class Curl {
  /** What curl did: its exit code (0 = it got a response), the body, the status and stderr. */
  public record Result(int exit, int status, String body, String stderr) {
    public String describe() {
      return "curl exit " + exit + ", status " + status + "\nbody: " + body + "\nstderr: " + stderr;
    }
  }

  private static final String MARK = "\n--curl-status:";

  private Curl() {}

  public static Result run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("curl", "--silent", "--show-error"));
    cmd.addAll(List.of("--max-time", "20", "--write-out", MARK + "%{http_code}"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("curl did not finish: " + cmd);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    int at = text.lastIndexOf(MARK);
    int status = at < 0 ? -1 : Integer.parseInt(text.substring(at + MARK.length()).trim());
    return new Result(
        p.exitValue(),
        status,
        at < 0 ? text : text.substring(0, at),
        new String(err, StandardCharsets.UTF_8));
  }
}
