// The group call page (/call/{room}#token=...; docs/group-calls.md): up to 9 people on camera, a screen share on
// the stage, the active speaker ringed and named, raised hands, and the host's controls (mute, remove, end).
// Tiles are placed by sdk/grid.js's plan; its GridController makes hidden tiles stop their video and picks each
// visible tile's simulcast layer by its size. Every user text goes into the page with textContent only.
import { connect } from "/static/sdk/souk.js";
import { GridController, isScreen, plan, screenOwner } from "/static/sdk/grid.js";
import { tokenFromHash } from "./call-ui.js";
import { $, explain, notice, rest, text } from "./live-common.js";

// The camera: 720p (simulcast h/m/l: 720, 360, 180 rows); "#token=...&hd=0" captures 360p (a weak device)
const SOURCE_H = /(?:^#|&)hd=0(?:&|$)/.test(window.location.hash) ? 360 : 720;
const CAPTURE = { audio: true, video: { width: (SOURCE_H * 16) / 9, height: SOURCE_H } };
const HOST_ROLES = ["host", "moderator", "service"];
const REASONS = { removed: "The host removed you from the call.", call_ended: "The call has ended.",
  replaced: "You joined this call from another window." };
const CODES = { call_full: "This call already has 9 people on camera.", screen_busy: "Someone else is sharing a screen.",
  not_host: "Only the host can do that.", call_ended: "The call has ended." };

const main = $("call");
const roomId = main.dataset.room;
const gridEl = $("grid");
const api = (path) => `/v1/group-calls/${encodeURIComponent(roomId)}${path}`;
const state = {
  token: null, client: null, room: null, grid: null, identity: null, host: false, local: null,
  screen: null, speaker: null, talking: new Set(), hands: new Set(), page: 0, pinned: null, plan: null,
  order: [], ended: false, muted: { audio: false, video: false }, audioMuted: new Set(),
};
window.groupCall = state;

const say = (e) => notice(CODES[e && e.code] || explain(e));

function nameOf(id) {
  const p = state.room && state.room.participants.get(id);
  if (isScreen(id)) return `${nameOf(screenOwner(id))} (screen)`;
  if (id === state.identity) return "You";
  return (p && p.name) || id;
}

// ---- tiles ----
function tileEl(id) {
  let el = gridEl.querySelector(`.tile[data-participant="${CSS.escape(id)}"]`);
  if (el) return el;
  el = document.createElement("div");
  el.className = "tile" + (isScreen(id) ? " screen" : "");
  el.dataset.participant = id;
  const video = document.createElement("video");
  video.autoplay = true; video.playsInline = true;
  if (id === state.identity) video.muted = true;
  const who = document.createElement("span");
  who.className = "who";
  const flags = document.createElement("span");
  flags.className = "flags";
  el.append(video, who, flags);
  if (state.host && id !== state.identity && !isScreen(id)) el.append(hostTools(id));
  el.addEventListener("dblclick", () => { state.pinned = state.pinned === id ? null : id; layout(); });
  gridEl.append(el);
  if (!state.order.includes(id)) state.order.push(id);
  return el;
}

function hostTools(id) {
  const box = document.createElement("span");
  box.className = "host-tools";
  const mute = document.createElement("button");
  mute.type = "button"; mute.className = "mute"; text(mute, "Mute");
  mute.onclick = () => rest("POST", api("/mute"), state.token, { identity: id, kind: "audio", muted: true }).catch(say);
  const remove = document.createElement("button");
  remove.type = "button"; remove.className = "remove"; text(remove, "Remove");
  remove.onclick = () => rest("POST", api("/remove"), state.token, { identity: id }).catch(say);
  box.append(mute, remove);
  return box;
}

function show(id, stream) {
  const el = tileEl(id);
  const video = el.querySelector("video");
  if (video.srcObject !== stream) video.srcObject = stream;
  video.play().catch(() => {});
  paint(id);
}

function drop(id) {
  gridEl.querySelector(`.tile[data-participant="${CSS.escape(id)}"]`)?.remove();
  state.order = state.order.filter((x) => x !== id);
  state.talking.delete(id);
  state.grid?.forget(id);
  if (state.pinned === id) state.pinned = null;
  layout();
}

function paint(id) {
  const el = gridEl.querySelector(`.tile[data-participant="${CSS.escape(id)}"]`);
  if (!el) return;
  text(el.querySelector(".who"), nameOf(id));
  el.classList.toggle("speaking", state.talking.has(id));
  const flags = [];
  if (state.hands.has(id)) flags.push("✋");
  if (state.audioMuted.has(id) || (id === state.identity && state.muted.audio)) flags.push("muted");
  const box = el.querySelector(".flags");
  box.replaceChildren(...flags.map((f) => Object.assign(document.createElement("span"), { textContent: f })));
}

// ---- layout ----
function layout() {
  if (!state.room) return;
  const tiles = state.order.map((id) => ({
    id, simulcast: id !== state.identity && !!state.room.feeds.get(id)?.simulcast, sourceH: SOURCE_H }));
  const p = plan({ tiles, width: gridEl.clientWidth, height: gridEl.clientHeight, page: state.page,
    speaker: state.speaker, pinned: state.pinned, dpr: window.devicePixelRatio || 1 });
  state.plan = p;
  state.page = p.page;
  const gap = 4;
  const stripX = p.stage ? gridEl.clientWidth - p.tileW : 0;
  const offX = p.stage ? 0 : (gridEl.clientWidth - (p.cols * (p.tileW + gap) - gap)) / 2;
  p.visible.forEach((v, i) => {
    const el = gridEl.querySelector(`.tile[data-participant="${CSS.escape(v.id)}"]`);
    if (!el) return;
    let x, y;
    if (p.stage && i === 0) { x = 0; y = 0; }
    else if (p.stage) { x = stripX; y = (i - 1) * (v.h + gap); }
    else { x = offX + (i % p.cols) * (v.w + gap); y = Math.floor(i / p.cols) * (v.h + gap); }
    Object.assign(el.style, { position: "absolute", left: `${x}px`, top: `${y}px`, width: `${v.w}px`, height: `${v.h}px` });
    el.classList.remove("hidden");
    el.dataset.layer = v.layer === null ? "" : String(v.layer);
  });
  for (const id of p.hidden) gridEl.querySelector(`.tile[data-participant="${CSS.escape(id)}"]`)?.classList.add("hidden");
  $("pager").classList.toggle("hidden", p.pages < 2);
  text($("page-of"), `${p.page + 1} / ${p.pages}`);
  state.grid?.update(p);
}

function setSpeaker(id) {
  state.speaker = id;
  const el = $("active-speaker");
  text(el, id ? nameOf(id) : "–");
  el.dataset.identity = id || "";
  layout();
}

function renderHands() {
  const list = $("hand-list");
  list.replaceChildren(...[...state.hands].map((id) => {
    const li = document.createElement("li");
    text(li, nameOf(id));
    if (state.host) {
      const b = document.createElement("button");
      b.type = "button"; text(b, "Lower");
      b.onclick = () => rest("POST", api("/lower-hand"), state.token, { identity: id }).catch(say);
      li.append(" ", b);
    }
    return li;
  }));
  $("hands").classList.toggle("hidden", state.hands.size === 0);
  text($("hand-btn"), state.hands.has(state.identity) ? "Lower hand" : "Raise hand");
}

// ---- the call ----
function ended(reason) {
  if (state.ended) return;
  state.ended = true;
  stopScreen();
  text($("call-status"), reason === "removed" ? "Removed" : "Ended");
  notice(REASONS[reason] || "The call is over.");
  state.client?.close();
}

function bind(client) {
  client.on("speaking", (m) => {
    if (m.talking) state.talking.add(m.participant); else state.talking.delete(m.participant);
    paint(m.participant);
    if (m.talking && m.participant !== state.speaker) setSpeaker(m.participant);
  });
  client.on("hand", (m) => {
    if (m.raised) state.hands.add(m.participant); else state.hands.delete(m.participant);
    paint(m.participant);
    renderHands();
  });
  client.on("media", (m) => { // a feed's mute flags (by itself or by the host); not our own connections' states
    if (m.target) return;
    if (m.audio_muted) state.audioMuted.add(m.participant); else state.audioMuted.delete(m.participant);
    paint(m.participant);
  });
  client.on("room.closed", (m) => ended(m.reason));
}

async function start() {
  state.token = tokenFromHash();
  if (!state.token) { notice("Open this page with #token=<an access token for this room>."); return; }
  // sdk/grid.js picks each tile's layer; the SDK's weak-link adapter keeps it and only falls back to audio
  const client = await connect({ token: state.token });
  state.client = client;
  state.identity = client.welcome.identity;
  state.host = HOST_ROLES.includes(client.welcome.role) && client.welcome.privileges.includes("moderate");
  $("end-btn").classList.toggle("hidden", !state.host);
  bind(client);
  const room = await client.join(roomId);
  state.room = room;
  state.grid = new GridController(room);
  for (const p of room.participants.values()) {
    if (p.hand) state.hands.add(p.identity);
    if (p.talking) { state.talking.add(p.identity); state.speaker = p.identity; } // talking when we came in
  }
  for (const f of room.feeds.values()) if (f.audio_muted) state.audioMuted.add(f.participant);
  renderHands();
  if (state.speaker) setSpeaker(state.speaker);
  room.on("track", ({ participant, stream }) => {
    if (participant === screenId()) { closeOwnScreenSub(participant); return; }
    show(participant, stream);
    layout();
  });
  room.on("track.ended", ({ participant }) => drop(participant));
  room.on("participant.left", (m) => { drop(m.identity); state.hands.delete(m.identity); renderHands(); });
  room.on("participant.joined", (p) => paint(p.identity));
  const stream = await navigator.mediaDevices.getUserMedia(CAPTURE).catch(() => room.getMedia());
  state.local = await room.publish({ stream, simulcast: true });
  show(state.identity, state.local);
  text($("call-status"), "In call");
  layout();
}

const screenId = () => `${state.identity}~screen`;

// Our own screen share comes back as a feed of the room: the stage shows the local capture instead.
function closeOwnScreenSub(participant) {
  state.room.unsubscribe(participant);
  if (state.screen) show(participant, state.screen.stream);
  layout();
}

async function shareScreen() {
  if (state.screen) return stopScreen();
  const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  try {
    const grant = await rest("POST", api("/screen-token"), state.token);
    const client = await connect({ token: grant.token, quality: false, adapt: false });
    const room = await client.join(roomId, { autoSubscribe: false });
    state.screen = { client, room, stream };
    await room.publish({ stream, simulcast: false });
    stream.getVideoTracks()[0].addEventListener("ended", () => stopScreen());
    text($("screen-btn"), "Stop sharing");
    show(screenId(), stream);
    layout();
  } catch (e) {
    stream.getTracks().forEach((t) => t.stop());
    stopScreen();
    throw e;
  }
}

function stopScreen() {
  const s = state.screen;
  state.screen = null;
  if (!s) return;
  s.stream.getTracks().forEach((t) => t.stop());
  s.room.leave().catch(() => {}).finally(() => s.client.close());
  text($("screen-btn"), "Share screen");
  drop(screenId());
}

$("mic-btn").onclick = async () => {
  state.muted.audio = !state.muted.audio;
  await state.room.mute("audio", state.muted.audio).catch(say);
  text($("mic-btn"), state.muted.audio ? "Unmute mic" : "Mute mic");
  paint(state.identity);
};
$("cam-btn").onclick = async () => {
  state.muted.video = !state.muted.video;
  await state.room.mute("video", state.muted.video).catch(say);
  text($("cam-btn"), state.muted.video ? "Camera on" : "Camera off");
};
$("screen-btn").onclick = () => shareScreen().catch(say);
$("hand-btn").onclick = () => state.client.request({ type: "hand", raised: !state.hands.has(state.identity) }).catch(say);
$("leave-btn").onclick = async () => { stopScreen(); await state.room?.leave().catch(() => {}); ended("left"); };
$("end-btn").onclick = () => rest("POST", api("/end"), state.token).catch(say);
$("prev").onclick = () => { state.page = Math.max(0, state.page - 1); layout(); };
$("next").onclick = () => { state.page += 1; layout(); };
window.addEventListener("resize", () => layout());

// framesDecoded per remote feed (the e2e reads it; also handy in the console)
state.decoded = async () => {
  const out = {};
  for (const sub of state.room ? state.room.subs.values() : []) {
    if (!sub.participant) continue;
    (await sub.pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") out[sub.participant] = s.framesDecoded || 0;
    });
  }
  return out;
};

start().catch((e) => { text($("call-status"), "Failed"); say(e); });
