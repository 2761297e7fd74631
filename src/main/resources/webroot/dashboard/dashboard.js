// Polls /stats?scope=cluster every second and draws one series per node with uPlot (a global from
// uPlot.iife.min.js). /stats?scope=cluster works on a single node too: "nodes" has one entry.
import { mergedLatency, point, quantile } from "./stats.js";

const REFRESH_MS = 1000;
const KEEP = 120; // points per series: two minutes
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"];
const CHARTS = [
  { id: "chart-rps", keys: ["rps"] },
  { id: "chart-latency", keys: ["p50", "p99"] },
  { id: "chart-queue", keys: ["queue"] },
  { id: "chart-busy", keys: ["busy"] },
  { id: "chart-rejected", keys: ["rejected"] },
  { id: "chart-errors", keys: ["errors"] },
];

const times = [];
const history = new Map(); // node label -> {key: [values aligned with times]}
const previous = new Map(); // node label -> last snapshot
let prevLatency = null; // {nodes, histogram} of the previous read, for cluster percentiles
let plots = [];
let nodeOrder = "";
let busy = false;

function label(id, snapshot) {
  return snapshot && snapshot.node ? snapshot.node : id.slice(0, 8);
}

function seriesFor(nodes, key) {
  return nodes.map((n, i) => ({
    label: key === "p50" || key === "p99" ? `${n} ${key}` : n,
    stroke: COLORS[i % COLORS.length],
    dash: key === "p50" ? [6, 4] : undefined,
    width: 1.5,
    spanGaps: false,
    value: (u, v) => (v == null ? "-" : v.toFixed(key.startsWith("p") ? 1 : 2)),
  }));
}

function rebuildCharts(nodes) {
  plots.forEach((p) => p.destroy());
  plots = CHARTS.map((c) => {
    const el = document.getElementById(c.id);
    const series = [{}];
    c.keys.forEach((k) => series.push(...seriesFor(nodes, k)));
    const opts = {
      width: Math.max(240, el.clientWidth - 8),
      height: 160,
      series,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      legend: { live: false },
    };
    const p = new uPlot(opts, chartData(c, nodes), el);
    p.chartConfig = c;
    return p;
  });
}

function chartData(c, nodes) {
  const data = [times.slice()];
  c.keys.forEach((k) => nodes.forEach((n) => data.push(history.get(n)[k].slice())));
  return data;
}

function record(nodes, points, t) {
  times.push(t);
  for (const n of nodes) {
    if (!history.has(n)) {
      const empty = () => new Array(times.length - 1).fill(null);
      history.set(n, Object.fromEntries(CHARTS.flatMap((c) => c.keys).map((k) => [k, empty()])));
    }
    const h = history.get(n);
    for (const k of Object.keys(h)) h[k].push(points[n] ? points[n][k] : null);
  }
  if (times.length > KEEP) {
    times.shift();
    history.forEach((h) => Object.values(h).forEach((a) => a.shift()));
  }
}

function text(id, v) {
  document.getElementById(id).textContent = v;
}

function fmt(v, digits, unit = "") {
  return v == null || Number.isNaN(v) ? "-" : v.toFixed(digits) + unit;
}

function showReadiness(entries) {
  const box = document.getElementById("readiness");
  box.replaceChildren(
    ...entries.map(([id, s]) => {
      const el = document.createElement("span");
      const ready = s.readiness && s.readiness.ready;
      const why = s.error || (s.readiness ? s.readiness.reasons.join(", ") : "unknown");
      el.className = "node " + (ready ? "up" : "down");
      // The config version counts this node's reloads; equal fingerprints mean equal policies.
      const config = s.config ? ` (config v${s.config.version})` : "";
      el.title = s.config ? `config fingerprint ${s.config.fingerprint}` : "";
      el.textContent = `${label(id, s)}${config} ${ready ? "ready" : "not ready: " + why}`;
      return el;
    }),
  );
}

function showTotals(all, points, nodes, snapshots) {
  const sum = all.sum;
  text("nodes-count", `${all.nodeCount} node${all.nodeCount === 1 ? "" : "s"}`);
  text("total-requests", String(sum.requests ? sum.requests.total : 0));
  const rps = nodes.map((n) => points[n].rps).filter((v) => v != null);
  text("rps", rps.length ? fmt(rps.reduce((a, b) => a + b, 0), 1) : "-");
  // Percentiles of the last interval, over the same set of nodes as the previous read.
  const lat = mergedLatency(snapshots);
  const prev = prevLatency && prevLatency.nodes === nodes.join() ? prevLatency.histogram : null;
  const ok = lat && prev && lat.count >= prev.count;
  text("p50", ok ? fmt(quantile(0.5, prev, lat), 1, " ms") : "-");
  text("p99", ok ? fmt(quantile(0.99, prev, lat), 1, " ms") : "-");
  text("queue", String(sum.queued ?? 0));
  text("busy", String(sum.busyWorkers ?? 0));
  text("rejected", String(sum.requests ? sum.requests.rejected : 0));
  text("errors", String(sum.requests ? sum.requests.errors + sum.requests.timeouts : 0));
  prevLatency = { nodes: nodes.join(), histogram: lat };
}

function showByType(points, nodes) {
  const codes = [...new Set(nodes.flatMap((n) => Object.keys(points[n].byType)))].sort();
  const table = document.getElementById("by-type");
  const head = document.createElement("tr");
  ["code", ...nodes].forEach((h) => {
    const th = document.createElement("th");
    th.textContent = h;
    head.append(th);
  });
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(
    ...codes.map((code) => {
      const tr = document.createElement("tr");
      const cells = [code];
      nodes.forEach((n) => {
        const c = points[n].byType[code];
        cells.push(c ? `${c.total} (${fmt(c.rate, 2)}/s)` : "0");
      });
      cells.forEach((v) => {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      });
      return tr;
    }),
  );
}

async function refresh() {
  if (busy) return;
  busy = true;
  const status = document.getElementById("status");
  try {
    const res = await fetch("/stats?scope=cluster", { cache: "no-store" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const all = await res.json();
    const entries = Object.entries(all.nodes).sort(([a, x], [b, y]) =>
      label(a, x).localeCompare(label(b, y)),
    );
    const answered = entries.filter(([, s]) => !s.error);
    const nodes = answered.map(([id, s]) => label(id, s));
    const points = {};
    answered.forEach(([id, s]) => {
      const n = label(id, s);
      points[n] = point(previous.get(n), s);
      previous.set(n, s);
    });
    record(nodes, points, Date.now() / 1000);
    if (nodes.join() !== nodeOrder) {
      nodeOrder = nodes.join();
      rebuildCharts(nodes);
    } else {
      plots.forEach((p) => p.setData(chartData(p.chartConfig, nodes)));
    }
    showReadiness(entries);
    showTotals(
      all,
      points,
      nodes,
      answered.map(([, s]) => s),
    );
    showByType(points, nodes);
    status.className = "";
    status.textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    status.className = "failed";
    status.textContent = "cannot read /stats: " + e.message;
  } finally {
    busy = false;
  }
}

window.addEventListener("resize", () =>
  plots.forEach((p) => {
    const el = document.getElementById(p.chartConfig.id);
    p.setSize({ width: Math.max(240, el.clientWidth - 8), height: 160 });
  }),
);
refresh();
setInterval(refresh, REFRESH_MS);
