package io.httpsproxy.testing;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Requests through a proxy from a background thread until closed, one at a time: mostly quick
 * successes, every third a little slower, every tenth a connection failure (a closed loopback
 * port), so that rates, latency buckets and failure codes all move.
 */
public final class BackgroundTraffic implements AutoCloseable {
  private final AtomicBoolean sending = new AtomicBoolean(true);
  private final Thread thread;

  private BackgroundTraffic(ProxyClient client, HttpsUpstream upstream, int slowMs) {
    thread = new Thread(() -> send(client, upstream, slowMs), "background-traffic");
    thread.setDaemon(true);
  }

  public static BackgroundTraffic start(ProxyClient client, HttpsUpstream upstream, int slowMs) {
    BackgroundTraffic t = new BackgroundTraffic(client, upstream, slowMs);
    t.thread.start();
    return t;
  }

  private void send(ProxyClient client, HttpsUpstream upstream, int slowMs) {
    for (int i = 0; sending.get(); i++) {
      String url =
          i % 10 == 0
              ? "https://localhost:1/closed"
              : upstream.url(i % 3 == 0 ? "/delay/" + slowMs : "/echo");
      client.get(url).await();
    }
  }

  @Override
  public void close() throws InterruptedException {
    sending.set(false);
    thread.join(10_000);
  }
}
