// The desk's metrics page (/desk/metrics): GET /v1/desk/metrics?days=N drawn as plain SVG charts.
// Definitions of every number: souk/domain/desk/metrics.py (computed from the stored timelines).
import { barChart, legend } from "./charts.js";
import { duration, queueLabel, reasonLabel, warningText } from "./desk-format.js";
import { linkStaffPages, staffToken } from "./staff.js";

const $ = (id) => document.getElementById(id);
const state = { token: null, data: null, loadedAt: null, names: {} };
window.soukMetrics = state; // for tests and debugging

const C = { brand: "#0f7b6c", p90: "#7fb8ae", warn: "#d99a1e", danger: "#c2413b", muted: "#9aa3b5", ai: "#7b61c4" };

function put(id, ...children) {
  const fig = $(id);
  fig.replaceChildren(fig.querySelector("h3"), ...children);
}

function empty(text = "No data in this period yet.") {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = text;
  return p;
}

function kpi(key, value, title = "") {
  const box = document.createElement("div");
  box.className = "kpi";
  box.dataset.kpi = key;
  const v = document.createElement("div");
  v.className = "v";
  v.textContent = value;
  const k = document.createElement("div");
  k.className = "k";
  k.textContent = title || key;
  box.append(v, k);
  return box;
}

const pct = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 1000) / 10}%`);

function csatChart(id, byKey, label = (k) => k) {
  const keys = Object.keys(byKey || {});
  if (!keys.length) { put(id, empty("No ratings in this period yet.")); return; }
  const series = [{ name: "average (1-5)", color: C.warn, values: keys.map((k) => byKey[k].average),
                    labels: keys.map((k) => `${byKey[k].average ?? "–"} (n=${byKey[k].count})`) }];
  put(id, barChart({ rows: keys.map(label), series, max: 5 }));
}

export function render(m) {
  $("kpis").replaceChildren(
    kpi("conversations", m.conversations, "conversations"),
    kpi("containment", pct(m.containment), "AI containment"),
    kpi("handoffs", m.handoffs, "hand-offs"),
    kpi("unassigned", m.unassigned, "handed off, never answered"),
    kpi("first_response_p50", duration(m.first_response_s.p50), "first response p50"),
    kpi("csat", m.csat.average === null ? "–" : `${m.csat.average} / 5`, `CSAT (${m.csat.count} ratings)`),
  );
  if (m.closed) {
    const humans = m.closed - m.contained;
    put("chart-containment", barChart({ rows: ["AI alone (resolved)", "with a person"], series: [{
      name: "closed conversations", color: C.ai, values: [m.contained, humans],
      labels: [`${m.contained} (${pct(m.containment)})`, String(humans)] }] }));
  } else put("chart-containment", empty("No conversation closed in this period yet."));

  const reasons = Object.entries(m.handoff_reasons || {});
  put("chart-reasons", reasons.length ? barChart({ rows: reasons.map(([r]) => reasonLabel(r)),
    series: [{ name: "hand-offs", color: C.brand, values: reasons.map(([, n]) => n) }] }) : empty("No hand-offs in this period."));

  const times = [["Wait in queue", m.wait_s], ["First response", m.first_response_s], ["Resolution", m.resolution_s]];
  if (times.some(([, p]) => p.count)) {
    const series = [
      { name: "p50", color: C.brand, values: times.map(([, p]) => p.p50), labels: times.map(([, p]) => duration(p.p50)) },
      { name: "p90", color: C.p90, values: times.map(([, p]) => p.p90), labels: times.map(([, p]) => `${duration(p.p90)} (n=${p.count})`) },
    ];
    put("chart-times", legend(series), barChart({ rows: times.map(([t]) => t), series }));
  } else put("chart-times", empty());

  csatChart("chart-csat-language", m.csat_by_language);
  csatChart("chart-csat-queue", m.csat_by_queue, queueLabel);
  csatChart("chart-csat-agent", m.csat_by_agent, (id) => (state.names[id] && state.names[id] !== id ? `${state.names[id]} (${id})` : id));

  const queues = Object.entries(m.sla || {});
  if (queues.length) {
    const series = [
      { name: "handed off", color: C.muted, values: queues.map(([, v]) => v.conversations) },
      { name: "first response breached", color: C.warn, values: queues.map(([, v]) => v.first_response_breaches) },
      { name: "resolution breached", color: C.danger, values: queues.map(([, v]) => v.resolution_breaches) },
    ];
    put("chart-sla", legend(series), barChart({ rows: queues.map(([q]) => queueLabel(q)), series }));
  } else put("chart-sla", empty("No hand-offs in this period."));

  const warnings = m.sla_warnings || [];
  if (warnings.length) {
    const ul = document.createElement("ul");
    for (const w of warnings) {
      const li = document.createElement("li");
      li.className = `warning ${w.level}`;
      li.textContent = `${w.conversation_id} · ${queueLabel(w.queue)} · ${warningText(w)}`;
      ul.append(li);
    }
    put("chart-warnings", ul);
  } else put("chart-warnings", empty("No open conversation is near its SLA."));
}

async function load() {
  const status = $("metrics-status");
  try {
    const res = await fetch(`/v1/desk/metrics?days=${encodeURIComponent($("days").value)}`,
                            { headers: { Authorization: `Bearer ${state.token}` } });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((data.error && data.error.message) || `HTTP ${res.status}`);
    state.data = data;
    state.loadedAt = Date.now();
    render(data);
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.className = "muted";
  } catch (e) {
    status.textContent = `could not load the metrics: ${e.message}`;
    status.className = "error";
  }
}

async function start() {
  try {
    state.token = await staffToken();
  } catch (e) {
    $("metrics-status").textContent = e.message;
    $("metrics-status").className = "error";
    return;
  }
  linkStaffPages(state.token);
  $("days").addEventListener("change", load);
  try {  // staff names for the per-agent chart
    const res = await fetch("/v1/desk/agents", { headers: { Authorization: `Bearer ${state.token}` } });
    if (res.ok) for (const a of (await res.json()).agents || []) state.names[a.id] = a.name || a.id;
  } catch { /* ids then */ }
  await load();
  setInterval(load, 15000);
}

start();
