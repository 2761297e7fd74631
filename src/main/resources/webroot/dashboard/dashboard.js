// Polls /stats?scope=cluster every second and draws one series per node with uPlot (a global from
// uPlot.iife.min.js). /stats?scope=cluster works on a single node too: "nodes" has one entry.
// A node that left stays in the table, marked lost with the time it left (the server's "lost"
// list, and this page's memory of the nodes it saw), with the last numbers it reported.
import { lostNodes, mergedLatency, point, quantile } from "./stats.js";

const REFRESH_MS = 1000;
const KEEP = 120; // points per series: two minutes
const MAX_LOST = 16; // lost nodes kept in the table
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"];
const CHARTS = [
  { id: "chart-rps", keys: ["rps"] },
  { id: "chart-served", keys: ["served"] },
  { id: "chart-latency", keys: ["p50", "p99"] },
  { id: "chart-queue", keys: ["queue"] },
  { id: "chart-busy", keys: ["busy"] },
  { id: "chart-overload", keys: ["overload"] },
  { id: "chart-refused", keys: ["refused"] },
  { id: "chart-upstream-failed", keys: ["upstreamFailed"] },
  { id: "chart-timeouts", keys: ["timeouts"] },
];

const times = [];
const history = new Map(); // node name -> {key: [values aligned with times]}
const previous = new Map(); // node name -> last snapshot it answered
const lastPoint = new Map(); // node name -> its last computed point
let lost = new Map(); // node name -> {lostAtMs, last}
let prevLatency = null; // {nodes, histogram} of the previous read, for cluster percentiles
let plots = [];
let nodeOrder = "";
let busy = false;

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
  }
  for (const [n, h] of history) {
    for (const k of Object.keys(h)) h[k].push(points[n] ? points[n][k] : null);
  }
  if (times.length > KEEP) {
    times.shift();
    history.forEach((h) => Object.values(h).forEach((a) => a.shift()));
  }
  // Series of nodes that are neither live nor listed as lost are dropped (bounded memory).
  for (const n of [...history.keys()]) if (!nodes.includes(n) && !lost.has(n)) history.delete(n);
}

function text(id, v) {
  document.getElementById(id).textContent = v;
}

function fmt(v, digits, unit = "") {
  return v == null || Number.isNaN(v) ? "-" : v.toFixed(digits) + unit;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString();
}

function showReadiness(entries) {
  const box = document.getElementById("readiness");
  const live = entries.map(([name, s]) => {
    const el = document.createElement("span");
    const ready = s.readiness && s.readiness.ready;
    const why = s.error || (s.readiness ? s.readiness.reasons.join(", ") : "unknown");
    el.className = "node " + (ready ? "up" : "down");
    // The config version counts this node's reloads; equal fingerprints mean equal policies.
    const config = s.config ? ` (config v${s.config.version})` : "";
    el.title = s.config ? `config fingerprint ${s.config.fingerprint}` : "";
    el.textContent = `${name}${config} ${ready ? "ready" : "not ready: " + why}`;
    return el;
  });
  const gone = [...lost.entries()].map(([name, v]) => {
    const el = document.createElement("span");
    el.className = "node lost";
    el.textContent = `${name} lost at ${clock(v.lostAtMs)}`;
    return el;
  });
  box.replaceChildren(...live, ...gone);
}

function showTotals(all, points, nodes, snapshots) {
  const sum = all.sum;
  const count = (key) => nodes.map((n) => points[n][key]).filter((v) => v != null);
  const total = (vs) => (vs.length ? fmt(vs.reduce((a, b) => a + b, 0), 1) : "-");
  const classes = sum.classes || {};
  text("nodes-count", `${all.nodeCount} node${all.nodeCount === 1 ? "" : "s"}`);
  text("lost-count", lost.size ? `${lost.size} lost` : "");
  text("total-requests", String(sum.requests ? sum.requests.total : 0));
  text("rps", total(count("rps")));
  text("served-rps", total(count("served")));
  // Percentiles of the last interval, over the same set of nodes as the previous read.
  const lat = mergedLatency(snapshots);
  const prev = prevLatency && prevLatency.nodes === nodes.join() ? prevLatency.histogram : null;
  const ok = lat && prev && lat.count >= prev.count;
  text("p50", ok ? fmt(quantile(0.5, prev, lat), 1, " ms") : "-");
  text("p99", ok ? fmt(quantile(0.99, prev, lat), 1, " ms") : "-");
  text("queue", String(sum.queued ?? 0));
  text("busy", String(sum.busyWorkers ?? 0));
  text("overload", String(classes.overload ?? 0));
  text("refused", String(classes.refused ?? 0));
  text("upstream-failed", String(classes.upstreamFailed ?? 0));
  text("timeouts", String(classes.timeouts ?? 0));
  prevLatency = { nodes: nodes.join(), histogram: lat };
}

/** One table row per node, live or lost: what entered it, what it served, how it ended. */
const COLUMNS = [
  ["state", "state"],
  ["entered", "requests entered"],
  ["rps", "entered/s"],
  ["served", "upstream calls served"],
  ["served-rps", "served/s"],
  ["refused", "refused (client, policy)"],
  ["upstream-failed", "upstream failed"],
  ["timeouts", "timeouts"],
  ["overload", "overload"],
  ["upstream-ms", "upstream p50 / p99 ms"],
  ["queue-ms", "queue wait p50 / p99 ms"],
  ["connections", "connections / max"],
  ["tunnels", "tunnels / max"],
  ["bytes", "bytes in / out"],
];

function cellsOf(s, pt, state) {
  if (!s) return { state };
  const c = s.classes || {};
  const limits = s.limits || {};
  const p = pt || {};
  return {
    state,
    entered: String(s.requests.total),
    rps: fmt(p.rps, 2),
    served: String(s.upstream.calls),
    "served-rps": fmt(p.served, 2),
    refused: String(c.refused ?? "-"),
    "upstream-failed": String(c.upstreamFailed ?? "-"),
    timeouts: String(c.timeouts ?? "-"),
    overload: String(c.overload ?? "-"),
    "upstream-ms": `${fmt(p.upP50, 1)} / ${fmt(p.upP99, 1)}`,
    "queue-ms": `${fmt(p.qwP50, 1)} / ${fmt(p.qwP99, 1)}`,
    connections: `${s.connections.active} / ${limits.maxConnections ?? "-"}`,
    tunnels: `${s.tunnels.active} / ${limits.maxTunnels ?? "-"}`,
    bytes: s.bytes ? `${s.bytes.fromClients} / ${s.bytes.toClients}` : "-",
  };
}

function showNodes(entries, points) {
  const table = document.getElementById("nodes");
  const head = document.createElement("tr");
  ["node", ...COLUMNS.map(([, h]) => h)].forEach((h) => {
    const th = document.createElement("th");
    th.textContent = h;
    head.append(th);
  });
  table.tHead.replaceChildren(head);
  const rows = entries.map(([name, s]) => {
    const state = s.error ? "unreachable" : s.readiness && s.readiness.ready ? "ready" : "not ready";
    return [name, s.error ? null : s, points[name], state, ""];
  });
  for (const [name, v] of lost) {
    rows.push([name, v.last, lastPoint.get(name), `lost at ${clock(v.lostAtMs)}`, "lost"]);
  }
  table.tBodies[0].replaceChildren(
    ...rows.map(([name, s, pt, state, cls]) => {
      const tr = document.createElement("tr");
      tr.dataset.node = name;
      tr.className = cls;
      const cells = cellsOf(s, pt, state);
      const first = document.createElement("td");
      first.textContent = name;
      tr.append(first);
      COLUMNS.forEach(([key]) => {
        const td = document.createElement("td");
        td.className = key;
        td.textContent = cells[key] ?? "-";
        tr.append(td);
      });
      return tr;
    }),
  );
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
    // Keys are node names (nodeName); a node that did not answer has {"error": ...}.
    const entries = Object.entries(all.nodes).sort(([a], [b]) => a.localeCompare(b));
    const answered = entries.filter(([, s]) => !s.error);
    const nodes = answered.map(([name]) => name);
    lost = lostNodes(lost, entries.map(([n]) => n), all.lost, previous, Date.now(), MAX_LOST);
    for (const n of [...previous.keys()]) {
      if (!entries.some(([name]) => name === n) && !lost.has(n)) previous.delete(n);
    }
    const points = {};
    answered.forEach(([name, s]) => {
      points[name] = point(previous.get(name), s);
      previous.set(name, s);
      lastPoint.set(name, points[name]);
    });
    for (const n of [...lastPoint.keys()]) if (!previous.has(n)) lastPoint.delete(n);
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
    showNodes(entries, points);
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
