// Seller console: incoming calls ring here; accept / decline; the call; recent call records.
import { connect, getMedia } from "/static/sdk/souk.js";
import { CallUI, api, renderRinging, tokenFromHash } from "./call-ui.js";
import { Backstage } from "./console-backstage.js";
import { linkStaffPages } from "./staff.js";

const $ = (id) => document.getElementById(id);
const ui = new CallUI();
const state = { token: null, console: null, ringing: new Map(), call: null, client: null, room: null, roomToken: null,
  camera: null, marks: {}, backstage: null };
window.soukConsole = state; // for tests and debugging

async function staffToken() {
  const fromHash = tokenFromHash();
  if (fromHash) return fromHash;
  return (await api("/v1/demo/tokens", null, { as: "seller" })).token;
}

let ringer = null;
function ring(on) {
  try {
    if (on && !ringer) {
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 660;
      gain.gain.value = 0.05;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      const pulse = setInterval(() => { gain.gain.value = gain.gain.value ? 0 : 0.05; }, 500);
      ringer = { ctx, pulse };
    } else if (!on && ringer) {
      clearInterval(ringer.pulse);
      ringer.ctx.close();
      ringer = null;
    }
  } catch { /* audio may be blocked until the page is clicked */ }
}

function when(unixS) {
  return unixS ? new Date(unixS * 1000).toLocaleTimeString() : "";
}

// A call the desk's "Video call" started belongs to that desk conversation and is answered from the desk by
// the agent who offered it: the console lists it as such, with no Accept / Decline and no ring tone.
const deskCalls = new Map(); // call_id -> desk conversation summary
async function refreshDeskCalls() {
  try {
    const data = await api("/v1/desk/conversations?status=assigned&limit=200", state.token);
    deskCalls.clear();
    for (const c of Array.isArray(data) ? data : data.conversations || []) if (c.active_call) deskCalls.set(c.active_call, c);
  } catch { /* no desk on this server: every call is the console's */ }
}

const deskCallOf = (c) => deskCalls.get(c.call_id) || (c.conversation_id ? { id: c.conversation_id, agent_id: c.seller } : null);

function renderDeskCalls() {
  const own = [...state.ringing.values()].filter((c) => deskCallOf(c));
  for (const c of own) if (state.backstage) state.backstage.drop(c.call_id); // linked late: not ours to prepare
  const list = $("desk-calls");
  list.replaceChildren(...own.map((c) => {
    const d = deskCallOf(c);
    const li = document.createElement("li");
    li.className = "desk-call";
    li.dataset.callId = c.call_id;
    const a = document.createElement("a");
    a.href = `/desk#token=${encodeURIComponent(state.token)}`;
    a.textContent = "open the desk";
    li.append(`Desk video call with ${c.shopper_name || c.shopper} (conversation ${d.id}${d.agent_id ? `, ${d.agent_id}` : ""}) — answered from the desk: `, a);
    return li;
  }));
  list.classList.toggle("hidden", own.length === 0);
}

function renderIncoming() {
  const calls = [...state.ringing.values()].filter((c) => !deskCallOf(c));
  renderDeskCalls();
  ring(calls.length > 0 && !state.call);
  renderRinging($("incoming"), calls, {
    empty: "No one is calling right now.",
    describe: (c) => {
      const who = document.createElement("div");
      const strong = document.createElement("strong");
      strong.textContent = c.shopper_name || c.shopper;
      const about = document.createElement("span");
      about.textContent = ` about ${c.product_name || c.product_sku} (${c.product_sku}) · ${c.language} · since ${when(c.requested_at)}`;
      who.append(strong, about);
      if (c.origin_room) {  // asked for from a live show (POST /v1/live/{room}/consult)
        const origin = document.createElement("div");
        origin.className = "origin";
        const cart = c.origin_cart ? `, cart: ${c.origin_cart.items} items, ${c.origin_cart.total} ${c.origin_cart.currency}` : "";
        origin.textContent = `from live show ${c.origin_room}${cart}${c.note ? ` · “${c.note}”` : ""}`;
        who.append(origin);
      }
      return who;
    },
    accept: (c) => acceptCall(c),
    decline: (c) => api(`/v1/consults/${encodeURIComponent(c.call_id)}/decline`, state.token, {}).catch((e) => ui.error(e)),
  });
}

async function refreshRecords() {
  try {
    const data = await api("/v1/consults?limit=15", state.token);
    if (!data.recent.length) {
      const td = document.createElement("td");
      td.colSpan = 5;
      td.className = "empty";
      td.textContent = "No calls yet.";
      const tr = document.createElement("tr");
      tr.append(td);
      $("records").replaceChildren(tr);
      return;
    }
    $("records").replaceChildren(...data.recent.map((r) => {
      const tr = document.createElement("tr");
      const cells = [
        new Date(r.requested_at).toLocaleString(), r.shopper, r.product_sku || "", r.outcome || "in progress",
        r.duration_s ? `${Math.round(r.duration_s)} s` : "",
      ];
      for (const text of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      tr.className = r.outcome || "live";
      return tr;
    }));
  } catch (e) { console.warn("records", e); }
}

// Start the camera while a call rings, so accepting does not wait for it.
function warmCamera() {
  if (!state.camera && !(state.backstage && state.backstage.prep)) { // a prepared call has the camera already
    state.camera = getMedia({ audio: true, video: true });
    state.camera.catch(() => { state.camera = null; });
  }
}

// The camera for the call: the stream started while it rang, or a fresh one; the caller owns it.
function takeCamera() {
  const pending = state.camera || getMedia({ audio: true, video: true });
  state.camera = null;
  return pending;
}

// Prepare the first call still ringing for this console (see console-backstage.js), if none is prepared.
function prepareNext() {
  if (!state.backstage || state.call || state.backstage.busy) return;
  const next = [...state.ringing.values()].find((c) => !deskCallOf(c)); // a desk call rings with its conversation_id
  if (next) state.backstage.prepare(next);
}

function coolCamera() {
  if (state.camera && !state.call && !state.ringing.size) {
    const pending = state.camera;
    state.camera = null;
    pending.then((s) => s.getTracks().forEach((t) => t.stop()), () => {});
  }
}

function onConsoleCall({ call }) {
  if (call.state === "ringing") {
    state.ringing.set(call.call_id, call);
    // the desk links its call to the conversation right after it rings: look now and once a moment later
    if (!deskCalls.has(call.call_id)) {
      refreshDeskCalls().then(renderIncoming); // a call the desk links late is dropped from the backstage there
      setTimeout(() => { if (state.ringing.has(call.call_id)) refreshDeskCalls().then(renderIncoming); }, 700);
    }
  } else {
    state.ringing.delete(call.call_id);
    if (state.backstage && !(state.call && state.call.call_id === call.call_id)) state.backstage.drop(call.call_id);
  }
  if (state.ringing.size && !state.call) warmCamera();
  else coolCamera();
  prepareNext();
  renderIncoming();
  if (call.state !== "ringing") refreshRecords();
  if (state.call && call.call_id === state.call.call_id) onOwnCall(call);
}

function onOwnCall(call) {
  state.call = call;
  if (["ended", "cancelled", "declined", "missed", "failed"].includes(call.state)) finish(call.state === "ended" ? "Call ended." : `Call ${call.state}.`);
}

const mark = (name) => { state.marks[name] = Date.now(); };

async function acceptCall(c) {
  if (state.call) return;
  const prep = state.backstage ? state.backstage.take(c.call_id) : null;
  state.marks = prep ? prep.marks : {}; // with what it prepared (its last steps may come after the click)
  mark("accept");
  ring(false);
  state.call = c;
  ui.show(`Connecting to ${c.shopper_name || c.shopper}…`);
  try {
    const res = await api(`/v1/consults/${encodeURIComponent(c.call_id)}/accept`, state.token, {});
    state.call = res.call;
    state.roomToken = res.token;
    mark("accepted");
    ui.startTimer(res.call.answered_at);
    if (prep && await seated(prep, c)) return;
    state.client = await connect({ token: res.token });
    mark("connected");
    state.client.on("call", ({ call }) => onOwnCall(call));
    state.client.on("reconnecting", () => ui.status("Connection lost, reconnecting…"));
    state.client.on("reconnected", () => ui.status(`In call with ${c.shopper_name || c.shopper}`));
    state.client.on("close", () => { if (state.call) finish("The connection to the call was lost."); });
    state.room = await state.client.join(res.call.room);
    mark("joined");
    ui.attach(state.room);
    ui.status(`In call with ${c.shopper_name || c.shopper} about ${c.product_name || c.product_sku}`);
    const pending = state.camera;
    state.camera = null; // the call owns the stream now (leaving stops its tracks)
    const stream = pending ? await pending.catch(() => null) : null;
    mark("camera");
    await state.room.publish(stream ? { stream } : { audio: true, video: true });
    mark("published");
  } catch (e) {
    ui.error(e);
    if (prep) Backstage.leave(prep); // e.g. the accept lost to another seller's: leave the prepared room too
    if (state.call && state.roomToken) {
      await api(`/v1/consults/${encodeURIComponent(state.call.call_id)}/hangup`, state.roomToken, {}).catch(() => {});
    }
    finish("Call failed.", true);
  }
}

// The accepted call was prepared backstage: the server seats us, both sides switch their warm connections.
// False (the prepared room left) when the preparation failed: the caller joins the usual way.
async function seated(prep, c) {
  try {
    const room = await prep.joined;
    state.client = state.console;
    state.room = room;
    ui.attach(room);
    if (room.localStream) ui.local.srcObject = room.localStream; // published while it rang
    ui.status(`In call with ${c.shopper_name || c.shopper} about ${c.product_name || c.product_sku}`);
    await prep.published;
    mark("published");
    return true;
  } catch (e) {
    console.warn("souk: the call prepared while it rang failed; joining it the usual way", e.code || e);
    Backstage.leave(prep);
    state.client = null;
    state.room = null;
    return false;
  }
}

function finish(text, keepError = false) {
  if (state.client === state.console) {
    if (state.room) state.room.leave().catch(() => {}); // the console's socket stays; only the call's room goes
  } else if (state.client) state.client.close();
  state.client = null;
  state.room = null;
  state.call = null;
  state.roomToken = null;
  ui.end(text);
  if (!keepError) $("call-error").classList.add("hidden");
  renderIncoming();
  refreshRecords();
  prepareNext();
}

$("hangup-btn").addEventListener("click", async () => {
  if (state.call && state.roomToken) {
    await api(`/v1/consults/${encodeURIComponent(state.call.call_id)}/hangup`, state.roomToken, {}).catch(() => {});
  }
  finish("Call ended.");
});

async function start() {
  const status = $("console-status");
  try {
    state.token = await staffToken();
    state.console = await connect({ token: state.token });
    state.console.on("call", onConsoleCall);
    state.backstage = new Backstage(state.console, takeCamera);
    const onConsole = () => state.call && state.client === state.console; // a call prepared on this socket
    state.console.on("close", () => {
      status.textContent = "disconnected — reload to reconnect";
      status.className = "error";
      if (onConsole()) finish("The connection to the call was lost.");
    });
    state.console.on("reconnecting", () => {
      status.textContent = "reconnecting…";
      status.className = "muted";
      if (onConsole()) ui.status("Connection lost, reconnecting…");
    });
    state.console.on("reconnected", () => {
      status.textContent = `online as ${state.console.welcome.identity}`;
      status.className = "online";
      if (onConsole()) ui.status(`In call with ${state.call.shopper_name || state.call.shopper}`);
      state.ringing.clear(); // the server re-sends every call still ringing
      renderIncoming();
    });
    status.textContent = `online as ${state.console.welcome.identity}`;
    status.className = "online";
    linkStaffPages(state.token);
    refreshRecords();
  } catch (e) {
    status.textContent = `offline: ${e.message}`;
    status.className = "error";
  }
}

start();
