// Shopper product page: "Video call the seller".
import { connect, getMedia } from "/static/sdk/souk.js";
import { CallUI, api, tokenFromHash } from "./call-ui.js";

const product = document.getElementById("product");
const button = document.getElementById("call-btn");
const ui = new CallUI();
const state = { call: null, client: null, room: null, roomToken: null, phase: "idle", marks: {}, desk: null };
window.soukCall = state; // for tests and debugging

let lobby = null; // one shopper identity for the page: the assistant and the call share it
async function lobbyToken() {
  const fromHash = tokenFromHash();
  if (fromHash) return fromHash;
  if (!lobby) lobby = api("/v1/demo/tokens", null, { as: "shopper" }).then((res) => res.token);
  try {
    return await lobby;
  } catch (e) {
    lobby = null;
    throw e;
  }
}

const FINAL = {
  declined: "The seller can't take a call right now. Please try again later.",
  missed: "The seller didn't answer. Please try again later.",
  cancelled: "Call cancelled.",
  ended: "Call ended.",
  failed: "The call was interrupted by the service. Please call again.",
};

function onCall({ call }) {
  state.call = call;
  state.marks[call.state] = Date.now();
  const who = state.desk ? state.desk.agent_name || "our team" : "the seller";
  if (call.state === "ringing") ui.status(`Ringing ${who}…`);
  else if (call.state === "accepted") {
    state.phase = "in-call";
    ui.status(`Connected with ${who}`);
    ui.startTimer(call.answered_at);
  } else finish(FINAL[call.state] || "Call ended.");
}

// desk: the assistant conversation whose agent offered this call (the call lands on its timeline and rings
// that agent's desk); none for the page's own "Video call the seller".
async function startCall(desk = null) {
  button.disabled = true;
  state.phase = "calling";
  state.desk = desk;
  ui.show(desk ? `Calling ${desk.agent_name || "our team"}…` : "Calling the seller…");
  state.marks = { clicked: Date.now() };
  const mark = (name) => { state.marks[name] = Date.now(); };
  // the camera starts beside the call request (its errors surface at publish, as before)
  const camera = getMedia({ audio: true, video: true });
  camera.catch(() => {});
  try {
    const res = await api("/v1/consults", await lobbyToken(), {
      product_sku: product.dataset.sku, language: product.dataset.lang || navigator.language.slice(0, 2) || "en",
      ...(desk ? { conversation_id: desk.conversation_id } : {}),
    });
    state.call = res.call;
    state.roomToken = res.token;
    mark("requested");
    state.client = await connect({ token: res.token, join: res.call.room }); // joined in the same round trip
    mark("connected");
    state.client.on("call", onCall);
    state.client.on("close", () => { if (state.phase !== "idle") finish("The connection to the call was lost."); });
    state.client.on("reconnecting", () => ui.status("Connection lost, reconnecting…"));
    state.client.on("reconnected", () => ui.status(state.phase === "in-call" ? "Connected with the seller" : "Ringing the seller…"));
    // Join and publish while it rings, so the seller sees us the moment they accept.
    state.room = await state.client.join(res.call.room);
    mark("joined");
    ui.attach(state.room);
    state.room.on("published", (feed) => {  // the seller's feed, not the AI attendant's voice while it rings
      if (state.room.participants.get(feed.participant)?.role !== "assistant") state.marks.seller_published = Date.now();
    });
    state.room.on("track", (t) => {
      if (state.room.participants.get(t.participant)?.role !== "assistant") state.marks.track = state.marks.track || Date.now();
    });
    state.room.on("switched", () => { state.marks.switched = Date.now(); });
    const stream = await camera;
    mark("camera");
    await state.room.publish({ stream });
    mark("published");
    warmUp(state.room);
  } catch (err) {
    camera.then((s) => { if (!state.room || state.room.localStream !== s) s.getTracks().forEach((t) => t.stop()); }, () => {});
    await hangupCall();
    finish("Call failed.");
    ui.error(err);
  }
}

// The desk rang the shopper's assistant widget and she accepted: join that call's room with the room token
// the desk sent (the agent is there or about to be), publish, and follow the call's state like startCall.
async function joinDeskCall({ call_id: callId, room_id: roomId, token, agent_name: agentName }) {
  button.disabled = true;
  state.phase = "calling";
  const who = agentName || "our team";
  ui.show(`Joining the video call with ${who}…`);
  try {
    state.roomToken = token;
    state.call = { call_id: callId, room: roomId, state: "accepted" };
    state.client = await connect({ token });
    state.client.on("call", ({ call }) => {
      state.call = call;
      state.marks[call.state] = Date.now();
      if (call.state === "ringing" || call.state === "accepted") {
        state.phase = "in-call";
        ui.status(`In a video call with ${who}`);
        if (call.answered_at) ui.startTimer(call.answered_at);
      } else finish(FINAL[call.state] || "Call ended.");
    });
    state.client.on("close", () => { if (state.phase !== "idle") finish("The connection to the call was lost."); });
    state.client.on("reconnecting", () => ui.status("Connection lost, reconnecting…"));
    state.client.on("reconnected", () => ui.status(`In a video call with ${who}`));
    state.room = await state.client.join(roomId);
    ui.attach(state.room);
    state.room.on("track", (t) => {
      if (state.room.participants.get(t.participant)?.role !== "assistant") state.marks.track = state.marks.track || Date.now();
    });
    await state.room.publish({ audio: true, video: true });
    state.phase = "in-call";
    ui.status(`In a video call with ${who}`);
    ui.startTimer();
  } catch (err) {
    await hangupCall();
    finish("Call failed.");
    ui.error(err);
  }
}

// Connect the subscriber side too while it rings (ICE + DTLS, no media yet): when the seller's feed comes up
// the SDK switches this connection to it, so the first seller frame costs a round trip, not a WebRTC setup.
// Only an optimisation: without it the SDK subscribes the usual way.
function warmUp(room) {
  room.warm()
    .then((sub) => { if (sub && state.room === room) state.marks.warm = Date.now(); }) // null: seller already there
    .catch((e) => console.warn("souk: no warm connection for the seller's video, subscribing on accept", e.code || e));
}

async function hangupCall() {
  const { call, roomToken } = state;
  if (call && roomToken && !["declined", "missed", "cancelled", "ended", "failed"].includes(call.state)) {
    try {
      await api(`/v1/consults/${encodeURIComponent(call.call_id)}/hangup`, roomToken, {});
    } catch { /* the server may have ended it already */ }
  }
}

function finish(text) {
  if (state.phase === "idle") return;
  state.phase = "idle";
  if (state.client) state.client.close();
  state.client = null;
  state.room = null;
  ui.end(text);
  button.disabled = false;
}

button.addEventListener("click", () => startCall());
document.getElementById("hangup-btn").addEventListener("click", async () => {
  await hangupCall();
  finish("Call ended.");
});

// The shopping assistant (another module) when the server runs it: its "video" hand-off starts this call.
async function mountAssistant() {
  if (product.dataset.assistant !== "1") return;
  try {
    const { mountAssistant: mount } = await import("/static/assistant/widget.js");
    await mount({ token: await lobbyToken(), target: document.body, language: product.dataset.lang || "en" });
    document.body.addEventListener("souk-assistant-handoff", (e) => {
      if (e.detail && e.detail.kind === "video" && state.phase === "idle") startCall();
    });
    document.body.addEventListener("souk-assistant-call", (e) => {  // the desk's video escalation
      if (state.phase !== "idle" || !e.detail) return; // busy: the widget says so
      e.preventDefault();
      if (e.detail.token) joinDeskCall(e.detail);
      else startCall(e.detail);
    });
  } catch (e) {
    console.warn("souk: the shopping assistant is unavailable", e);
  }
}

mountAssistant();
