package io.httpsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpsproxy.testing.HttpsUpstream;
import io.httpsproxy.testing.ProxyClient;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A file access log survives rotation (issue #16 item 6): logrotate moves the file and sends
 * SIGUSR1; the node writes on to a new file by the old name, and nothing is lost or doubled.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessLogRotationIT {

  @Test
  void sigusr1ReopensTheFileAfterItWasMoved() throws Exception {
    Path dir = JarProcess.workDir();
    Path log = dir.resolve("access-" + System.nanoTime() + ".log");
    Path rotated = dir.resolve(log.getFileName() + ".1");
    Vertx vertx = Vertx.vertx();
    try (HttpsUpstream upstream = HttpsUpstream.http();
        JarProcess node =
            JarProcess.start(
                dir, Map.of(), JarProcess.nodeArgs(dir, "--access-log", log.toString()))) {
      ProxyClient client = new ProxyClient(vertx, node.awaitListening(Duration.ofSeconds(15)));
      try {
        for (int i = 0; i < 3; i++) {
          assertEquals(200, client.get(upstream.url("/echo/before-" + i)).await().status());
        }
        // The access log leaves paths out by default: count its lines.
        assertEquals(3, awaitLines(log, 3), Files.readString(log));

        Files.move(log, rotated);
        node.signal("USR1");
        node.awaitOutput(Pattern.compile("SIGUSR1: access log reopened"), Duration.ofSeconds(10));
        for (int i = 0; i < 2; i++) {
          assertEquals(200, client.get(upstream.url("/echo/after-" + i)).await().status());
        }
        awaitLines(log, 2);
        List<String> fresh = Files.readAllLines(log);
        assertEquals(2, fresh.size(), "the new file holds what came after: " + fresh);
        assertEquals(3, Files.readAllLines(rotated).size(), "the moved file keeps what it had");
        assertTrue(fresh.get(0).contains("\"status\":200"), fresh.get(0));
      } finally {
        client.close();
      }
    } finally {
      vertx.close().await();
    }
  }

  /** Waits (10 s at most) until {@code file} exists with {@code n} lines; returns its count. */
  private static int awaitLines(Path file, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((!Files.exists(file) || Files.readAllLines(file).size() < n)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    return Files.exists(file) ? Files.readAllLines(file).size() : 0;
  }
}
