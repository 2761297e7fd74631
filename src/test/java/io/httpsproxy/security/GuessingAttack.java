package io.httpsproxy.security;

import io.httpsproxy.testing.RawHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The attacker of {@link PasswordGuessingTest}: threads of guesses on raw kept-alive sockets. */
final class GuessingAttack {
  static final int THREADS = 8;

  private GuessingAttack() {}

  /** What the attacking threads send. */
  enum Guess {
    WRONG_PASSWORD,
    UNKNOWN_USER,
    MALFORMED_BASIC,
    ROTATING_NAMES
  }

  static String basic(String user, String pw) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes());
  }

  static String credential(Guess g, int thread, int n) {
    return switch (g) {
      case WRONG_PASSWORD -> basic("alice", "guess-" + thread + "-" + n);
      case UNKNOWN_USER -> basic("mallory", "guess-" + thread + "-" + n);
      case MALFORMED_BASIC -> n % 2 == 0 ? "Basic %%not-base64%%" : "Basic bm8tY29sb24=";
      case ROTATING_NAMES -> basic("user" + thread + "x" + n, "guess-" + n);
    };
  }

  /** What the attack got, by status, and the Retry-After values of its 429s. */
  static final class Tally {
    final ConcurrentMap<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    final List<Long> retryAfter = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger badLocked = new AtomicInteger();
    long elapsedMs;

    long count(int status) {
      LongAdder a = byStatus.get(status);
      return a == null ? 0 : a.sum();
    }

    long total() {
      return byStatus.values().stream().mapToLong(LongAdder::sum).sum();
    }

    void record(String raw) {
      int status = RawHttp.status(raw);
      byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
      if (status == 429) {
        String after = header(raw, "retry-after");
        if (after == null || !raw.contains("AUTH_LOCKED")) {
          badLocked.incrementAndGet();
        } else {
          retryAfter.add(Long.parseLong(after));
        }
      }
    }
  }

  static String header(String raw, String name) {
    for (String line : raw.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith(name + ":")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    return null;
  }

  /**
   * THREADS threads sending guesses to {@code url} for {@code ms} on kept-alive connections from
   * 127.0.0.1.
   */
  static Tally attack(int port, String url, Guess g, long ms) throws InterruptedException {
    return attack(port, url, g, ms, ms, 0);
  }

  /**
   * As {@link #attack(int, Guess, long)}, for at least {@code minMs} and then until {@code locked}
   * 429s came back (at most {@code maxMs}): a check costs 67 ms on an idle core and many times that
   * on a loaded machine, so reaching the limit may take seconds.
   */
  static Tally attack(int port, String url, Guess g, long minMs, long maxMs, int locked)
      throws InterruptedException {
    Tally tally = new Tally();
    long start = System.nanoTime();
    long minEnd = start + minMs * 1_000_000;
    long maxEnd = start + maxMs * 1_000_000;
    java.util.function.BooleanSupplier going =
        () -> {
          long now = System.nanoTime();
          return now < minEnd || (now < maxEnd && tally.count(429) < locked);
        };
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      threads.add(
          started(
              () -> {
                Socket s = null;
                for (int n = 0; going.getAsBoolean(); n++) {
                  try {
                    if (s == null) {
                      s = new Socket();
                      s.connect(new InetSocketAddress("127.0.0.1", port));
                      s.setSoTimeout(20_000);
                    }
                    String raw =
                        RawHttp.exchange(
                            s,
                            "GET "
                                + url
                                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Authorization: "
                                + credential(g, thread, n)
                                + "\r\n\r\n");
                    tally.record(raw);
                    if ("close".equalsIgnoreCase(header(raw, "connection"))) {
                      s.close();
                      s = null;
                    }
                  } catch (IOException e) {
                    tally.byStatus.computeIfAbsent(-1, k -> new LongAdder()).increment();
                    s = null;
                  }
                }
                try {
                  if (s != null) {
                    s.close();
                  }
                } catch (IOException e) {
                  // closing at the end: nothing to do
                }
              }));
    }
    for (Thread t : threads) {
      t.join();
    }
    tally.elapsedMs = (System.nanoTime() - start) / 1_000_000;
    return tally;
  }

  static Thread started(Runnable r) {
    Thread t = new Thread(r);
    t.start();
    return t;
  }

  static long percentile(List<Long> values, double p) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
