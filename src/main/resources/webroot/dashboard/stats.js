// Pure computations over two consecutive /stats snapshots of one node. No DOM here.

/**
 * The q-quantile (0..1) of the recordings between two reads of a /stats `latency` histogram
 * ({count, bucketsLeMs, bucketsCumulative}), interpolated linearly inside the bucket that holds
 * it, as PromQL's histogram_quantile does: the first bucket starts at 0, and a quantile past the
 * last finite bucket is that bucket's bound. Null when nothing was recorded in between.
 */
export function quantile(q, prev, now) {
  const le = now.bucketsLeMs;
  const total = now.count - (prev ? prev.count : 0);
  if (total <= 0) return null;
  const cum = now.bucketsCumulative.map((c, i) => c - (prev ? prev.bucketsCumulative[i] : 0));
  const rank = q * total;
  for (let i = 0; i < le.length; i++) {
    if (cum[i] >= rank) {
      const lower = i === 0 ? 0 : le[i - 1];
      const below = i === 0 ? 0 : cum[i - 1];
      const inBucket = cum[i] - below;
      return inBucket <= 0 ? le[i] : lower + ((le[i] - lower) * (rank - below)) / inBucket;
    }
  }
  return le[le.length - 1];
}

/** Per-second rate of a counter between two reads, or null when there is no earlier read. */
export function rate(prevValue, nowValue, seconds) {
  if (prevValue === undefined || seconds <= 0) return null;
  return Math.max(0, nowValue - prevValue) / seconds;
}

/**
 * The numbers the dashboard shows for one node at one read. `prev` is the node's previous
 * snapshot (or null); a restarted node (uptime went down) is treated as having none.
 */
export function point(prev, now) {
  const p = prev && prev.uptimeSeconds < now.uptimeSeconds ? prev : null;
  const dt = p ? now.uptimeSeconds - p.uptimeSeconds : 0;
  const r = now.requests;
  const pr = p ? p.requests : {};
  const latency = now.latency.request;
  const prevLatency = p ? p.latency.request : null;
  return {
    rps: rate(pr.total, r.total, dt),
    p50: p ? quantile(0.5, prevLatency, latency) : null,
    p99: p ? quantile(0.99, prevLatency, latency) : null,
    queue: now.queued,
    busy: now.busyWorkers,
    rejected: rate(pr.rejected, r.rejected, dt),
    errors: rate(p ? pr.errors + pr.timeouts : undefined, r.errors + r.timeouts, dt),
    byType: Object.fromEntries(
      Object.entries(now.errorsByType).map(([code, n]) => [
        code,
        { total: n, rate: rate(p ? p.errorsByType[code] || 0 : undefined, n, dt) },
      ]),
    ),
  };
}

/**
 * The request-latency histograms of several node snapshots added up (the /stats sum leaves arrays
 * out), so cluster-wide percentiles come from the same interpolation.
 */
export function mergedLatency(snapshots) {
  if (snapshots.length === 0) return null;
  const first = snapshots[0].latency.request;
  return {
    count: snapshots.reduce((a, s) => a + s.latency.request.count, 0),
    bucketsLeMs: first.bucketsLeMs,
    bucketsCumulative: first.bucketsCumulative.map((_, i) =>
      snapshots.reduce((a, s) => a + s.latency.request.bucketsCumulative[i], 0),
    ),
  };
}
