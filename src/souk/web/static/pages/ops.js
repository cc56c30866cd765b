// The ops page (/ops): call quality from GET /v1/quality/dashboard and /sales, drawn as plain SVG charts, and a
// per-call drill-down (GET /v1/quality/rooms/{room}). Staff token from ?token= / #token= (demo: the seller's).
import { barChart, legend } from "./charts.js";
import { groupSpec, histogramSpec, ms, num, pct, salesSpec, timeSpec } from "./ops-format.js";
import { linkStaffPages, staffToken } from "./staff.js";

const $ = (id) => document.getElementById(id);
const state = { token: null, dashboard: null, sales: null, room: null };
window.soukOps = state; // for tests and debugging

async function api(path) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data.error && data.error.message) || `HTTP ${res.status}`);
  return data;
}

function put(id, ...children) {
  const fig = $(id);
  fig.replaceChildren(fig.querySelector("h3"), ...children);
}

function empty(text = "No calls in this period yet.") {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = text;
  return p;
}

function kpi(key, value, title) {
  const box = document.createElement("div");
  box.className = "kpi";
  box.dataset.kpi = key;
  const v = document.createElement("div");
  v.className = "v";
  v.textContent = value;
  const k = document.createElement("div");
  k.className = "k";
  k.textContent = title;
  box.append(v, k);
  return box;
}

function chart(id, spec) {
  put(id, ...(spec.series.length > 1 ? [legend(spec.series)] : []), barChart(spec));
}

function table(columns, rows, onClick = null) {
  const t = document.createElement("table");
  t.className = "ops-table";
  const head = t.createTHead().insertRow();
  for (const [, title] of columns) { const th = document.createElement("th"); th.textContent = title; head.append(th); }
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const [key, , fmt] of columns) tr.insertCell().textContent = fmt ? fmt(row[key], row) : String(row[key] ?? "–");
    if (onClick) { tr.tabIndex = 0; tr.className = "clickable"; tr.dataset.room = row.room_id; tr.addEventListener("click", () => onClick(row)); }
  }
  return t;
}

export function render(d, s) {
  const t = d.total;
  $("kpis").replaceChildren(
    kpi("participants", t.participants, "participants (joins)"),
    kpi("connect_p50", ms(t.connect_ms.p50), "join → first frame p50"),
    kpi("connect_p95", ms(t.connect_ms.p95), "join → first frame p95"),
    kpi("failed", pct(t.failure_rate), `failed joins (${t.failed})`),
    kpi("freeze", pct(t.freeze_ratio, 2), "video freeze time"),
    kpi("mos", num(t.mos.mean), `MOS mean (p10 ${num(t.mos.p10)})`),
  );
  if (!t.participants) {
    for (const id of ["chart-time", "chart-connect", "chart-region", "chart-network", "calls"]) put(id, empty());
  } else {
    chart("chart-time", timeSpec(d.over_time, d.bucket_s));
    chart("chart-connect", histogramSpec(d.connect_histogram));
    chart("chart-region", groupSpec(d.by_region));
    chart("chart-network", groupSpec(d.by_network));
    put("calls", table([
      ["room_id", "call / show"], ["kind", "kind"],
      ["started_at", "started", (v) => new Date(v * 1000).toLocaleString()],
      ["participants", "joins"], ["failed", "failed"], ["connect_p95_ms", "first frame p95", ms],
      ["freeze_ratio", "freeze time", (v) => pct(v, 2)], ["mos", "MOS", (v) => num(v)],
    ], d.rooms, (row) => drill(row.room_id)));
  }
  if (s) {
    const freezes = salesSpec(s.by_freezes, "conversion", s.currency);
    const moses = salesSpec(s.by_mos, "revenue", s.currency);
    put("chart-sales-freezes", ...(freezes.rows.length ? [barChart(freezes)] : [empty()]));
    put("chart-sales-mos", ...(moses.rows.length ? [barChart(moses)] : [empty()]));
  }
}

async function drill(roomId) {
  try {
    const r = await api(`/v1/quality/rooms/${encodeURIComponent(roomId)}`);
    state.room = r;
    put("drill", table([
      ["identity", "who"], ["role", "role"], ["region", "region"], ["network", "network"],
      ["first_frame_ms", "first frame", ms], ["failure", "failure"], ["rtt_ms", "RTT", ms], ["jitter_ms", "jitter", ms],
      ["audio_loss_before_pct", "audio loss (before FEC)", (v) => (v === null ? "–" : `${v}%`)],
      ["audio_loss_after_pct", "audio loss (after)", (v) => (v === null ? "–" : `${v}%`)],
      ["video_loss_before_pct", "video loss (before RTX)", (v) => (v === null ? "–" : `${v}%`)],
      ["video_loss_after_pct", "video loss (after)", (v) => (v === null ? "–" : `${v}%`)],
      ["freeze_count", "freezes"], ["freeze_ratio", "freeze time", (v) => pct(v, 2)],
      ["layer_switches", "layer switches"], ["concealment_ratio", "concealed audio", (v) => pct(v, 2)],
      ["in_kbps", "in kbit/s", (v) => num(v, 0)], ["mos", "MOS", (v) => num(v)],
      ["server", "Janus saw (uplink lost)", (v) => Object.entries(v || {}).map(([k, x]) => `${k.replace("uplink_", "")} ${x.lost ?? "–"}`).join(", ") || "–"],
    ], r.participants));
    $("drill").querySelector("h3").textContent = `Participants of ${roomId} (${r.kind})`;
  } catch (e) {
    put("drill", empty(`could not load ${roomId}: ${e.message}`));
  }
}

async function load() {
  const status = $("ops-status");
  const hours = $("hours").value;
  const bucket = Number(hours) <= 1 ? 300 : Number(hours) <= 24 ? 3600 : 86400;
  try {
    const [d, s] = await Promise.all([api(`/v1/quality/dashboard?hours=${hours}&bucket_s=${bucket}`),
                                      api(`/v1/quality/sales?hours=${hours}`)]);
    state.dashboard = d;
    state.sales = s;
    render(d, s);
    status.textContent = `updated ${new Date().toLocaleTimeString()}${d.truncated ? " (the oldest joins left out)" : ""}`;
    status.className = "muted";
  } catch (e) {
    status.textContent = `could not load the figures: ${e.message}`;
    status.className = "error";
  }
}

async function start() {
  try {
    state.token = await staffToken();
  } catch (e) {
    $("ops-status").textContent = e.message;
    $("ops-status").className = "error";
    return;
  }
  linkStaffPages(state.token);
  $("hours").addEventListener("change", load);
  put("drill", empty("Pick a call or show above."));
  await load();
  setInterval(load, 15000);
}

if (typeof document !== "undefined" && document.getElementById("ops-status")) start();
