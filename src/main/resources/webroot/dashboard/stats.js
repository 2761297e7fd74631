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

/** A counter's rate between two reads of a node (`p` null: no earlier read), or null. */
function counterRate(p, now, get, dt) {
  return rate(p ? get(p) || 0 : undefined, get(now) || 0, dt);
}

/** Interval percentile of histogram `key` of `latency` (request, upstream, queueWait). */
function pct(q, p, now, key) {
  return p && p.latency[key] && now.latency[key] ? quantile(q, p.latency[key], now.latency[key]) : null;
}

/**
 * The numbers the dashboard shows for one node at one read. `prev` is the node's previous
 * snapshot (or null); a restarted node (uptime went down) is treated as having none. `entered`
 * counts requests where clients sent them, `served` the upstream calls this node's workers made
 * (for any node); the outcome classes are /stats `classes` (refused: client or policy; upstream
 * failures; timeouts; overload), each per second.
 */
export function point(prev, now) {
  const p = prev && prev.uptimeSeconds < now.uptimeSeconds ? prev : null;
  const dt = p ? now.uptimeSeconds - p.uptimeSeconds : 0;
  const cls = (k) => (s) => (s.classes || {})[k];
  return {
    rps: counterRate(p, now, (s) => s.requests.total, dt),
    served: counterRate(p, now, (s) => s.upstream.calls, dt),
    p50: pct(0.5, p, now, "request"),
    p99: pct(0.99, p, now, "request"),
    upP50: pct(0.5, p, now, "upstream"),
    upP99: pct(0.99, p, now, "upstream"),
    qwP50: pct(0.5, p, now, "queueWait"),
    qwP99: pct(0.99, p, now, "queueWait"),
    queue: now.queued,
    busy: now.busyWorkers,
    refused: counterRate(p, now, cls("refused"), dt),
    upstreamFailed: counterRate(p, now, cls("upstreamFailed"), dt),
    timeouts: counterRate(p, now, cls("timeouts"), dt),
    overload: counterRate(p, now, cls("overload"), dt),
    byType: Object.fromEntries(
      Object.entries(now.errorsByType).map(([code, n]) => [
        code,
        { total: n, rate: rate(p ? p.errorsByType[code] || 0 : undefined, n, dt) },
      ]),
    ),
  };
}

/**
 * Remembers nodes that answered before and are gone now, with when they were first missed: the
 * server's `lost` list wins (it knows when the member left), the page's memory covers a node the
 * server no longer lists. Returns the new map name -> {lostAtMs, last}; at most `max`, newest kept.
 */
export function lostNodes(known, liveNames, serverLost, lastSeen, nowMs, max) {
  const out = new Map();
  for (const [name, v] of known) if (!liveNames.includes(name)) out.set(name, v);
  for (const name of lastSeen.keys()) {
    if (!liveNames.includes(name) && !out.has(name)) out.set(name, { lostAtMs: nowMs });
  }
  for (const [name, v] of Object.entries(serverLost || {})) {
    if (!liveNames.includes(name)) out.set(name, { lostAtMs: v.lostAtMs });
  }
  for (const [name, v] of out) v.last = lastSeen.get(name) || v.last || null;
  const sorted = [...out.entries()].sort((a, b) => b[1].lostAtMs - a[1].lostAtMs).slice(0, max);
  return new Map(sorted);
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
