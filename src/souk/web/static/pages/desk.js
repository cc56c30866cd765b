// The service desk (/desk): presence, inbox and queues with live waits, a conversation's timeline with the
// hand-off packet beside it, replies (canned ones in the conversation's language), internal notes, transfer,
// hand back to the AI, close with a resolution, and one click to a video call (desk-call.js).
// Staff token: ?token= or #token= in the URL, else (demo mode) the demo seller's.
import { DeskCall } from "./desk-call.js";
import { DeskSocket, homePage, movedPage } from "./desk-socket.js";
import { PRESENCES, cannedText, duration, mergeEvents, queueLabel, section, sortInbox, waitedNow,
  warningText, warningsFor } from "./desk-format.js";
import { el, inboxRow, packetView, timelineItem } from "./desk-view.js";
import { linkStaffPages, staffToken } from "./staff.js";
import { deskTranslation } from "./desk-translate.js";

const $ = (id) => document.getElementById(id);
const state = {
  token: null, me: null, presence: null, convs: new Map(), names: {}, agents: [], queues: [], warnings: [],
  selected: null, detail: null, settings: null, marks: {}, ws: null, call: null, canned: null, frames: 0,
};
window.soukDesk = state; // for tests and debugging
// messages in the agent's language: a toggle per message, an auto mode (docs/translation.md)
state.tr = deskTranslation({
  controlsEl: $("tr-controls"), rest,
  onChange: () => { $("timeline").dataset.last = "-1"; renderConversation(); },
});

async function rest(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${state.token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => { throw Object.assign(new Error("network error"), { code: "network" }); });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = data.error || {};
    // several nodes: another node serves this merchant's desk; the page moves there (same token)
    if (e.code === "room_elsewhere" && e.details && e.details.url) follow(e.details.url);
    throw Object.assign(new Error(e.message || `HTTP ${res.status}`), { code: e.code || `http_${res.status}`, status: res.status });
  }
  return data;
}

// The desk page moves to the node that serves the desk, when that node answers (right after a node died the
// others name it for a few seconds: the socket retries meanwhile, and the next node asked takes the desk over).
let following = false;
async function follow(url) {
  if (following) return;
  following = true;
  try {
    await fetch(new URL("/healthz", url), { mode: "no-cors", cache: "no-store" });
  } catch {
    following = false;
    return;
  }
  if (state.ws) state.ws.close();
  window.location.assign(movedPage(window.location.href, url));
}

function showError(e) {
  const p = $("action-error");
  p.textContent = e ? `${e.message}${e.code ? ` (${e.code})` : ""}` : "";
  p.classList.toggle("hidden", !e);
}

const list = (data, key) => (Array.isArray(data) ? data : data[key] || data.items || []);
const normEvent = (e) => (e.event ? { seq: e.seq, ...e.event } : e);

// ------------------------------------------------------------------ inbox
function upsert(summary) {
  if (!summary || !summary.id) return;
  state.convs.set(summary.id, { summary, receivedAt: Date.now() });
  if (state.detail && state.detail.summary.id === summary.id) {
    state.detail.summary = summary;
    renderConversation();
  }
}

async function loadInbox() {
  const parts = await Promise.all([["queued", 100], ["assigned", 100], ["closed", 20]].map(([status, limit]) =>
    rest("GET", `/v1/desk/conversations?status=${status}&limit=${limit}`).catch((e) => { showError(e); return []; })));
  for (const data of parts) for (const s of list(data, "conversations")) upsert(s);
  renderInbox();
}

function renderInbox() {
  const now = Date.now();
  const groups = { mine: [], waiting: [], others: [], closed: [] };
  for (const row of state.convs.values()) {
    const g = section(row.summary, state.me);
    if (groups[g]) groups[g].push(row);
  }
  for (const [name, rows] of Object.entries(groups)) {
    const ul = $(`inbox-${name}`);
    const sorted = sortInbox(rows).slice(0, name === "closed" ? 20 : 200);
    if (!sorted.length) { ul.replaceChildren(el("li", "empty", "None")); continue; }
    ul.replaceChildren(...sorted.map((row) => inboxRow(row, {
      me: state.me, names: state.names, waited: waitedNow(row.summary, row.receivedAt, now),
      warnings: warningsFor(state.warnings, row.summary.id), selected: row.summary.id === state.selected,
      onOpen: openConversation, onClaim: claim,
    })));
  }
  const waiting = groups.waiting.length;
  document.title = `${waiting ? `(${waiting}) ` : ""}Service desk`;
}

// Every second: the live waits in place (re-rendering the rows would swallow a click in progress).
function tick() {
  const now = Date.now();
  for (const span of document.querySelectorAll(".convs li.queued .wait")) {
    const row = state.convs.get(span.closest("li").dataset.id);
    const waited = row ? waitedNow(row.summary, row.receivedAt, now) : null;
    if (waited !== null) span.textContent = `· waiting ${duration(waited)}`;
  }
  renderSla();
}

function renderQueues() {
  const box = $("queues");
  if (!state.queues.length) { box.replaceChildren(el("span", "muted", "No one is waiting.")); return; }
  box.replaceChildren(...state.queues.map((q) => {
    const chip = el("span", "queue-chip", `${queueLabel(q.queue)}: ${q.waiting} waiting · oldest ${duration(q.oldest_wait_s)}`);
    chip.dataset.queue = q.queue;
    return chip;
  }));
}

function renderAgents() {
  $("agents").replaceChildren(...state.agents.map((a) => {
    const li = el("li", `agent ${a.presence}`, `${a.name || a.id}${a.id === state.me ? " (you)" : ""}`);
    li.append(el("span", "load", ` ${a.presence} · ${a.load}/${a.capacity}`));
    return li;
  }));
  const sel = $("transfer-to");
  const current = sel.value;
  const options = [el("option", null, "Transfer to…")];
  options[0].value = "";
  for (const a of state.agents) {
    if (a.id === state.me) continue;
    const o = el("option", null, `${a.name || a.id} (${a.presence}, ${a.load}/${a.capacity})`);
    o.value = `agent:${a.id}`;
    options.push(o);
  }
  const queues = new Set(state.queues.map((q) => q.queue));
  if (state.detail) queues.add(state.detail.summary.queue || state.detail.summary.language);
  for (const q of queues) {
    if (!q) continue;
    const o = el("option", null, `queue ${queueLabel(q)}`);
    o.value = `queue:${q}`;
    options.push(o);
  }
  sel.replaceChildren(...options);
  sel.value = current;
}


// ------------------------------------------------------------------ one conversation
async function openConversation(id) {
  state.selected = id;
  showError(null);
  try {
    const data = await rest("GET", `/v1/desk/conversations/${encodeURIComponent(id)}`);
    if (state.selected !== id) return;
    const summary = data.conversation || data.summary;
    state.detail = { summary, events: mergeEvents([], list(data.events || [], "events").map(normEvent)), packet: data.packet || null };
    upsert(summary);
    renderConversation();
    renderInbox();
    state.marks.opened = Date.now();
    pollWarnings();
  } catch (e) { showError(e); }
}

function renderConversation() {
  const d = state.detail;
  $("conv-empty").classList.toggle("hidden", !!d);
  $("conv").classList.toggle("hidden", !d);
  if (!d) return;
  const s = d.summary;
  $("conv-title").textContent = s.customer_id ? `Customer ${s.customer_id}` : `Shopper ${s.shopper}`;
  const who = s.agent_id ? (s.agent_id === state.me ? "you" : state.names[s.agent_id] || s.agent_id) : "";
  $("conv-meta").textContent = [s.status, s.language, s.queue && `queue ${queueLabel(s.queue)}`, who && `with ${who}`, s.channel.replace(/_/g, " "),
    s.active_call && "video call running", s.csat && `CSAT ${s.csat}/5`].filter(Boolean).join(" · ");
  $("conv").dataset.status = s.status;
  renderSla();
  const tl = $("timeline");
  const last = d.events.length ? d.events[d.events.length - 1].seq : 0;
  const grew = tl.dataset.id !== s.id || Number(tl.dataset.last || 0) !== last;
  if (grew) {  // a live chat: the newest at the bottom, in view
    tl.replaceChildren(...d.events.map((e) => timelineItem(e, state.names)));
    state.tr.decorate(tl, s.id, d.events);
    tl.dataset.id = s.id;
    tl.dataset.last = String(last);
    tl.scrollTop = tl.scrollHeight;
  }
  $("packet").replaceChildren(packetView(d.packet, s));
  const mine = s.status === "assigned" && s.agent_id === state.me;
  const withHumans = s.status === "queued" || mine;
  $("claim-btn").disabled = s.status !== "queued";
  $("video-btn").disabled = !mine || !!s.active_call || state.call.busy;
  $("transfer-btn").disabled = !withHumans;
  $("handback-btn").disabled = !withHumans;
  $("close-btn").disabled = !withHumans;
  $("send-btn").disabled = !mine;
  $("note-btn").disabled = false;
  renderAgents();
  fillCanned();
}

function renderSla() {
  const d = state.detail;
  const banner = $("sla-banner");
  const ws = d ? warningsFor(state.warnings, d.summary.id) : [];
  if (!ws.length || !d || d.summary.status === "closed") { banner.classList.add("hidden"); return; }
  banner.className = `sla-banner ${ws[0].level}`;
  banner.textContent = ws.map((w) => warningText(w)).join(" · ");
}

function onEvent(conversationId, raw) {
  const e = normEvent(raw);
  if (!state.detail || state.detail.summary.id !== conversationId) return;
  state.detail.events = mergeEvents(state.detail.events, [e]);
  if (e.kind === "handoff" && e.packet) state.detail.packet = e.packet;
  renderConversation();
}

// ------------------------------------------------------------------ actions
const conv = () => state.detail && state.detail.summary.id;
const path = (suffix) => `/v1/desk/conversations/${encodeURIComponent(conv())}/${suffix}`;

async function act(fn) {
  showError(null);
  try { await fn(); } catch (e) { showError(e); }
}

async function claim(id) {
  await act(async () => {
    const res = await rest("POST", `/v1/desk/conversations/${encodeURIComponent(id)}/claim`, {});
    if (res && res.conversation) upsert(res.conversation);
    await openConversation(id);
  });
}

async function loadSettings() {
  try { state.settings = await rest("GET", "/v1/desk/settings"); } catch (e) { state.settings = { canned: [] }; console.warn("desk settings", e); }
  fillCanned(true);
}

function fillCanned(force = false) {
  const sel = $("canned");
  const lang = state.detail ? state.detail.summary.language : "en";
  if (!force && sel.dataset.lang === lang) return;
  sel.dataset.lang = lang;
  const options = [el("option", null, "Canned reply…")];
  options[0].value = "";
  for (const c of (state.settings && state.settings.canned) || []) {
    const o = el("option", null, `${c.title || c.id} — ${cannedText(c, lang).slice(0, 60)}`);
    o.value = c.id;
    options.push(o);
  }
  sel.replaceChildren(...options);
}

$("canned").addEventListener("change", (ev) => {
  const c = ((state.settings && state.settings.canned) || []).find((x) => x.id === ev.target.value);
  if (!c) { state.canned = null; return; }
  const text = cannedText(c, state.detail ? state.detail.summary.language : "en");
  $("reply-text").value = text;
  state.canned = { id: c.id, text }; // sent as canned_id unless the agent edits it
});

$("composer").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text) return;
  const body = state.canned && state.canned.text === $("reply-text").value ? { canned_id: state.canned.id } : { text };
  act(async () => {
    await rest("POST", path("messages"), body);
    $("reply-text").value = "";
    $("canned").value = "";
    state.canned = null;
    state.marks.replied = Date.now();
  });
});

$("note-btn").addEventListener("click", () => {
  const text = $("reply-text").value.trim();
  if (!text) return;
  act(async () => { await rest("POST", path("notes"), { text }); $("reply-text").value = ""; state.canned = null; });
});

$("claim-btn").addEventListener("click", () => claim(conv()));
$("handback-btn").addEventListener("click", () => act(() => rest("POST", path("handback"), {})));
$("close-btn").addEventListener("click", () => act(() => rest("POST", path("close"), { resolution: $("resolution").value })));
$("transfer-btn").addEventListener("click", () => {
  const [kind, ...rest_] = $("transfer-to").value.split(":");
  const target = rest_.join(":");
  if (!target) return;
  act(() => rest("POST", path("transfer"), kind === "agent" ? { agent_id: target } : { queue: target }));
});
$("video-btn").addEventListener("click", () => {
  const s = state.detail.summary;
  act(() => state.call.offer(s.id, s.customer_id || s.shopper));
});

$("presence").addEventListener("change", (ev) => setPresence(ev.target.value));

async function setPresence(presence) {
  if (!PRESENCES.includes(presence)) return;
  if (!state.ws.send({ type: "presence", presence })) await act(() => rest("PUT", "/v1/desk/presence", { presence }));
}

// ------------------------------------------------------------------ the staff socket
function onFrame(f) {
  state.frames += 1;
  switch (f.type) {
    case "hello":
      state.me = f.agent.id;
      state.names[f.agent.id] = f.agent.name || f.agent.id;
      showPresence(f.presence);
      break;
    case "presence": showPresence(f.presence); break;
    case "queues":
      state.queues = f.queues || [];
      state.agents = f.agents || [];
      for (const a of state.agents) state.names[a.id] = a.name || a.id;
      renderQueues();
      renderAgents();
      break;
    case "assigned":
      upsert(f.conversation);
      state.marks.assigned = Date.now();
      if (f.conversation.agent_id === state.me && (!state.detail || state.detail.summary.status !== "assigned"
          || state.detail.summary.agent_id !== state.me)) openConversation(f.conversation.id);
      renderInbox();
      break;
    case "conversation": upsert(f.conversation); renderInbox(); soonPollWarnings(); break;
    case "event": onEvent(f.conversation_id, f.event); break;
    case "sla": setWarnings(f.warnings || []); break;
    case "call": state.call.answer(f); break;
    case "error": showError(f); break;
    default: break;
  }
}

function showPresence(presence) {
  state.presence = presence;
  const sel = $("presence");
  sel.disabled = false;
  sel.value = presence;
  const status = $("desk-status");
  status.textContent = `${presence} as ${state.names[state.me] || state.me}`;
  status.className = presence === "online" ? "online" : "muted";
}

function openSocket() {
  state.ws = new DeskSocket(state.token);
  state.ws.on("frame", onFrame);
  state.ws.on("up", () => { if (state.frames) loadInbox(); }); // a reconnect: catch up on the inbox
  // several nodes: the page follows its socket to the node that serves the desk, and goes back to the node
  // it was opened on when that one stops answering (it died: the next node asked takes the desk over)
  state.ws.on("moved", ({ url }) => follow(url));
  state.ws.on("down", ({ final, reason, failed }) => {
    const home = failed ? homePage(window.location.href) : null;
    if (home) { state.ws.close(); window.location.assign(home); return; }
    const status = $("desk-status");
    status.className = "error";
    $("presence").disabled = true;
    status.textContent = final ? `disconnected: ${reason} — reload with a valid staff token` : "reconnecting…";
  });
  state.ws.open();
}

async function pollWarnings() {
  try {
    const data = await rest("GET", "/v1/desk/sla");
    setWarnings(data.warnings || []);
  } catch (e) { console.warn("desk SLA warnings", e); }
}

// A change may start or stop a timer: look again within a couple of seconds (not on every frame).
let warningsSoon = null;
function soonPollWarnings() {
  if (warningsSoon) return;
  warningsSoon = setTimeout(() => { warningsSoon = null; pollWarnings(); }, 2000);
}

function setWarnings(warnings) {
  const changed = JSON.stringify(warnings) !== JSON.stringify(state.warnings);
  state.warnings = warnings;
  if (changed) { renderInbox(); renderSla(); }
}

async function start() {
  try {
    state.token = await staffToken("open the desk with ?token=<staff token>");
  } catch (e) {
    $("desk-status").textContent = e.message;
    $("desk-status").className = "error";
    return;
  }
  linkStaffPages(state.token);
  state.call = new DeskCall({ token: state.token, onChange: () => renderConversation() });
  openSocket();
  await Promise.all([loadInbox(), loadSettings()]);
  pollWarnings();
  setInterval(pollWarnings, 15000);
  setInterval(tick, 1000);
}

start();
