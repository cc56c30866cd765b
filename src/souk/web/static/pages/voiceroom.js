// The voice room page: seats with talking rings, how many listen, raise a hand, answer an invitation, speak
// from a seat (mute, leave), chat, and the pinned group-buy offer. With data-view="host" the host's controls
// load too (voiceroom-host.js). The seat map comes from GET /v1/voice-rooms/{room} and the room channel's
// "seats" messages (newest version wins); "talking" messages light the rings. The media is the voice plane's
// (sdk/voice.js): a listener hears the room's mix, a seat holder speaks and hears the others.
import { connect } from "/static/sdk/souk.js";
import { VoiceRoom } from "/static/sdk/voice.js";
import { chat } from "/static/rtm/chat.js";
import { tokenFromHash } from "./call-ui.js";
import { mountGroupBuy } from "./group-buy.js";
import { mountCaptions } from "./captions.js";
import { $, chatLine, notice, rest, text } from "./live-common.js";
import { fillConsent, recordingText, withdrawConsent } from "./consent.js";

const root = $("voiceroom");
const ROOM = root.dataset.room;
const HOST_ROLES = new Set(["host", "moderator", "service"]);
export const MESSAGES = {
  invite_only: "Seats here are by invitation: raise your hand.",
  listener_only: "Sign in to take a seat or raise a hand.",
  seat_taken: "That seat was just taken.",
  seat_locked: "That seat is locked.",
  seats_full: "Every seat is taken.",
  no_invite: "The invitation lapsed; raise your hand again.",
  consent_required: "This room is recorded: tick \"I agree to be recorded\" to take a seat.",
  room_ended: "The room has ended.",
  not_seated: "You hold no seat.",
  host_muted: "The host muted you.",
  not_host: "Only the host can do that.",
  camera_denied: "Microphone permission was denied. Allow it in your browser's site settings and reload.",
  camera_missing: "No microphone was found on this device.",
};
const explain = (e) => MESSAGES[e && e.code] || (e && e.message) || String(e);

export const state = {
  token: null, me: null, host: false, room: null, version: -1, talking: new Set(), voice: null, client: null,
  chat: null, channel: null, busy: false, again: false, offer: null, hostMuted: false, shop: null, recText: null,
};
window.soukVoice = state; // for tests and debugging

// The token's own claims (identity, role, privileges) for the page's view; the API checks them again.
function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return {};
  }
}

export const api = (method, path, body) =>
  rest(method, `/v1/voice-rooms/${encodeURIComponent(ROOM)}${path}`, state.token, body);
export const act = (body) => api("POST", "/actions", body).then(apply).catch((e) => { notice(explain(e)); throw e; });

const mySeat = () => (state.room ? state.room.seats.find((s) => s.identity === state.me) : undefined);
const mayHear = () => state.room && state.room.live;

// ---- the seat map
export function apply(view) {
  if (!view || typeof view.version !== "number" || view.version < state.version) return view;
  state.version = view.version;
  state.room = view;
  render();
  follow().catch((e) => notice(explain(e)));
  document.dispatchEvent(new CustomEvent("voice:room", { detail: view }));
  return view;
}

function render() {
  const r = state.room;
  text($("room-title"), r.title || ROOM);
  const status = $("room-status");
  status.className = `badge ${r.live ? "live" : "ended"}`;
  text(status, r.live ? "LIVE" : "Ended");
  text($("host-name"), r.host);
  $("host-spot").classList.toggle("talking", state.talking.has(r.host));
  $("host-spot").dataset.identity = r.host;
  const list = $("seats");
  list.replaceChildren(...r.seats.map(seatEl));
  const seat = mySeat();
  const invited = r.invites.some((i) => i.identity === state.me);
  const hand = r.hands.some((h) => h.identity === state.me);
  $("invite").classList.toggle("hidden", !invited || !!seat);
  $("hand-btn").classList.toggle("hidden", !!seat || state.host || !r.live);
  text($("hand-btn"), hand ? "Lower hand" : "✋ Raise hand");
  $("take-btn").classList.toggle("hidden", !!seat || !r.free_seating || !r.live);
  const hosting = !seat && state.me === r.host && r.live; // the host speaks without a seat
  $("mute-btn").classList.toggle("hidden", !seat && !hosting);
  text($("mute-btn"), (seat ? seat.self_muted : hosting && state.hostMuted) ? "Unmute" : "Mute");
  $("leave-btn").classList.toggle("hidden", !seat || state.host);
  // a recorded room: the recording banner before a seat (pages/consent.js), "Stop recording me" on one
  const asked = r.record && r.live && !seat && !state.host && state.me !== r.host && (invited || r.free_seating);
  $("seat-rec").classList.toggle("hidden", !asked);
  if (asked && !state.recText) {
    state.recText = {};
    recordingText(state.token).then((t) => { state.recText = t; fillConsent($("seat-rec"), t); }).catch(() => { state.recText = null; });
  }
  $("norec-btn").classList.toggle("hidden", !(r.record && seat && !state.host));
  if (!r.live) notice(MESSAGES.room_ended);
}

// take or accept a seat with the banner's answer: ticked, the yes is stored with the wording shown
function seatBody(body) {
  const t = state.recText;
  if (!state.room || !state.room.record || !$("seat-consent").checked) return body;
  return { ...body, consent_recording: true, ...(t && t.version ? { language: t.language, text_version: t.version } : {}) };
}

function seatEl(s) {
  const li = document.createElement("li");
  li.className = "seat";
  li.dataset.seat = String(s.index);
  if (s.identity) li.dataset.identity = s.identity;
  li.classList.toggle("taken", !!s.identity);
  li.classList.toggle("locked", s.locked);
  li.classList.toggle("muted", s.self_muted || s.host_muted);
  li.classList.toggle("talking", !!s.identity && state.talking.has(s.identity));
  li.classList.toggle("me", s.identity === state.me);
  const ring = document.createElement("div");
  ring.className = "ring";
  const avatar = document.createElement("span");
  avatar.className = "avatar";
  text(avatar, s.identity ? (s.name || s.identity).slice(0, 1).toUpperCase() : s.locked ? "🔒" : String(s.index + 1));
  ring.append(avatar);
  const who = document.createElement("span");
  who.className = "who";
  text(who, s.identity ? `${s.name || s.identity}${s.self_muted || s.host_muted ? " 🔇" : ""}` : s.locked ? "Locked" : "Free");
  li.append(ring, who);
  return li;
}

function showTalking() {
  for (const el of document.querySelectorAll("[data-identity]")) {
    el.classList.toggle("talking", state.talking.has(el.dataset.identity));
  }
}

// The media follows the map: a seat (or the host) speaks, everyone else listens.
async function follow() {
  const v = state.voice;
  if (!v) return;
  if (state.busy) { state.again = true; return; } // one change at a time; the newest map is followed after
  state.busy = true;
  try {
    const speak = mayHear() && (state.host ? state.me === state.room.host || !!mySeat() : !!mySeat());
    if (speak && !v.speaking) {
      await v.speak();
      const seat = mySeat();
      if (seat && (seat.self_muted || seat.host_muted)) micOn(false);
    } else if (!speak && v.speaking) {
      await v.unspeak();
    } else if (!speak && !v.listening && mayHear()) {
      await v.listen($("mix"));
    }
    if (v.speaking) { const seat = mySeat(); micOn(!(seat && (seat.self_muted || seat.host_muted))); }
  } finally {
    state.busy = false;
    if (state.again) { state.again = false; follow().catch((e) => notice(explain(e))); }
  }
}

function micOn(on) {
  const s = state.voice && state.voice.speaker;
  if (s) for (const t of s.stream.getAudioTracks()) t.enabled = on;
}

// ---- the room channel
function onMessage(m) {
  if (state.captions) state.captions.onMessage(m);
  chatLine($("messages"), m);
  if (m.k !== "system" || !m.b || typeof m.b !== "object") return;
  const b = m.b;
  if (b.type === "seats") {
    apply(b.room);
    for (const e of b.events || []) if (e.kind === "invited" && e.identity === state.me) notice("");
  } else if (b.type === "talking") {
    state.talking = new Set(b.talking || []);
    showTalking();
  }
  if (state.offer) state.offer.onSystem(b);
  if (state.shop) state.shop.onSystem(b);
}

async function startChat() {
  const client = await chat({ token: state.token });
  state.chat = client;
  client.on("error", (e) => notice(explain(e)));
  const channel = await client.join(ROOM, { history: 50 });
  state.channel = channel;
  state.captions = mountCaptions({ controls: $("caption-controls"), screen: $("voice-captions"), room: ROOM,
    post: (path, body) => rest("POST", path, state.token, body) });
  $("captions-on").addEventListener("change", async () => { // the host's switch (the panel is the host's only)
    const box = $("captions-on");
    try {
      const st = await rest("POST", `/v1/voice-rooms/${encodeURIComponent(ROOM)}/captions`, state.token, { enabled: box.checked });
      box.checked = st.enabled;
      notice("");
    } catch (e) { box.checked = false; notice(explain(e)); }
  });
  for (const m of channel.messages) onMessage(m);
  channel.on("message", onMessage);
  channel.on("aggregate", (a) => { if (typeof a.online === "number") text($("listeners"), String(a.online)); });
  text($("listeners"), String(channel.online || 0));
  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = $("chat-input").value.trim();
    if (!value) return;
    $("chat-input").value = "";
    try { await channel.send(value); } catch (e) { notice(explain(e)); }
  });
}

async function startMedia() {
  const client = await connect({ token: state.token });
  state.client = client;
  client.on("close", () => { if (state.client === client && mayHear()) notice("The connection was lost. Reload to listen again."); });
  const voice = await VoiceRoom.join(client, ROOM);
  voice.audioElement = $("mix"); // a speaker hears the others on its own connection: play that too
  state.voice = voice;
  voice.on("removed", ({ reason }) => { if (reason === "kicked") notice("The host took you off the seat."); });
  voice.on("audio", () => {
    const el = $("mix");
    if (el.paused) el.play().catch(() => $("listen-btn").classList.remove("hidden"));
  });
  await follow();
}

function wire() {
  $("hand-btn").addEventListener("click", () => {
    const up = state.room && state.room.hands.some((h) => h.identity === state.me);
    act({ op: up ? "lower_hand" : "raise_hand" }).catch(() => {});
  });
  $("take-btn").addEventListener("click", () => act(seatBody({ op: "take" })).catch(() => {}));
  $("accept-btn").addEventListener("click", () => act(seatBody({ op: "answer", accept: true })).catch(() => {}));
  $("norec-btn").addEventListener("click", async () => { // the server moves me back to listening first
    try {
      await withdrawConsent(state.token, "recording", (state.recText && state.recText.language) || "en", "voice_room");
      $("seat-consent").checked = false;
      notice("Recording of you stopped: you listen again.");
      apply(await api("GET", ""));
    } catch (e) { notice(explain(e)); }
  });
  $("decline-btn").addEventListener("click", () => act({ op: "answer", accept: false }).catch(() => {}));
  $("leave-btn").addEventListener("click", () => act({ op: "leave" }).catch(() => {}));
  $("mute-btn").addEventListener("click", async () => {
    const seat = mySeat();
    if (seat) { act({ op: "mute", muted: !seat.self_muted }).catch(() => {}); return; }
    if (!state.voice || !state.voice.speaking) return;
    try { // the host holds no seat: its mute is the socket's (the bridge, and the microphone track)
      await state.voice.mute(!state.hostMuted);
      state.hostMuted = !state.hostMuted;
      text($("mute-btn"), state.hostMuted ? "Unmute" : "Mute");
    } catch (e) { notice(explain(e)); }
  });
  $("listen-btn").addEventListener("click", () => { $("mix").play().catch(() => {}); $("listen-btn").classList.add("hidden"); });
}

// The room; the host view opens it when it does not exist yet (8 seats, by invitation).
async function load() {
  try {
    return await api("GET", "");
  } catch (e) {
    if (e.code !== "voice_room_not_found" || !state.host || root.dataset.view !== "host") throw e;
    return api("POST", "/open", { seats: 8 });
  }
}

async function main() {
  state.token = tokenFromHash();
  if (!state.token) { notice("Open this page with a room link (it carries your access)."); return; }
  const claims = claimsOf(state.token);
  state.me = claims.sub;
  state.host = HOST_ROLES.has(claims.role) && (claims.prv || []).includes("moderate");
  wire();
  try {
    apply(await load());
  } catch (e) {
    notice(explain(e));
    return;
  }
  state.offer = mountGroupBuy($("offer"), { room: ROOM, token: state.token });
  if (state.host && root.dataset.view === "host") {
    const { mountHost, mountCommerce } = await import("./voiceroom-host.js");
    mountHost({ state, act, api, explain });
    state.shop = mountCommerce({ room: ROOM, token: state.token, explain });
  }
  await startChat().catch((e) => notice(explain(e)));
  await startMedia().catch((e) => notice(explain(e)));
}

main();
