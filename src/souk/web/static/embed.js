// Souk storefront embed (docs/embed.md): one script tag on any shop page, of any origin, mounts the shopping
// assistant and a "Video call" button that rings the seller's console.
//
//   <script type="module" src="https://souk.example/embed.js" data-token-url="/my-backend/souk-token"
//           data-merchant="lumen" data-sku="AP-1001"></script>
//
// data-token-url (required): the merchant's own endpoint that answers {"token": "<shopper access token>"}
//   (its server mints it with the merchant's API key: POST /v1/tokens, room "lobby"); fetched with the
//   page's cookies (credentials: "include"), by POST unless data-token-method="GET".
// data-merchant: the merchant id the tokens must be for (a mismatch is reported, not used).
// data-sku: the product the call is about (else the first element with data-souk-sku on the page).
// data-language ("en"...), data-assistant="false" (no assistant), data-call="false" (no call button),
// data-call-target: a CSS selector to put the call button in (default: a floating button).
// The Souk server is where this file came from (import.meta.url); it must list the page's origin in its
// [embed] origins for the merchant (CORS). window.soukEmbed is the state (for tests and debugging).

import { connect, getMedia } from "/static/sdk/souk.js";

const BASE = new URL("/", import.meta.url).origin;
const script = [...document.querySelectorAll("script[src]")]
  .find((s) => new URL(s.src, location.href).href.split("?")[0] === import.meta.url.split("?")[0])
  || document.querySelector("script[data-token-url]");
const cfg = script ? script.dataset : {};
const language = cfg.language || (navigator.language || "en").slice(0, 2);

const MESSAGES = {
  camera_denied: "Camera or microphone permission was denied. Allow it in your browser's site settings, then call again.",
  camera_missing: "No camera or microphone was found on this device.",
  camera_busy: "Your camera or microphone is being used by another application.",
  network: "The network connection to the call failed. Check your connection and try again.",
  token_url_failed: "The shop could not start a session with the video service. Please reload the page.",
  timeout: "The call service did not answer in time. Please try again.",
};
const FINAL = {
  declined: "The seller can't take a call right now. Please try again later.",
  missed: "The seller didn't answer. Please try again later.",
  cancelled: "Call cancelled.", ended: "Call ended.",
  failed: "The call was interrupted by the service. Please call again.",
};
const ENDED = ["declined", "missed", "cancelled", "ended", "failed"];

const state = { base: BASE, phase: "idle", call: null, client: null, room: null, roomToken: null, assistant: null,
  errors: [] };
window.soukEmbed = state;

function fail(code, message) { return Object.assign(new Error(message || code), { code }); }

// The shopper's token from the merchant's backend: one identity for the page (assistant and call share it).
let tokenPromise = null;
async function shopperToken({ fresh = false } = {}) {
  if (!cfg.tokenUrl) throw fail("token_url_missing", "the embed script needs data-token-url");
  if (fresh || !tokenPromise) {
    tokenPromise = (async () => {
      const res = await fetch(new URL(cfg.tokenUrl, location.href), {
        method: (cfg.tokenMethod || "POST").toUpperCase(), credentials: "include",
        headers: { Accept: "application/json" },
      }).catch(() => { throw fail("token_url_failed", "the token endpoint could not be reached"); });
      const data = await res.json().catch(() => ({}));
      if (!res.ok || typeof data.token !== "string") throw fail("token_url_failed", `the token endpoint answered ${res.status}`);
      const mid = claims(data.token).mid;
      if (cfg.merchant && mid && mid !== cfg.merchant) {
        throw fail("wrong_merchant", `the token is for merchant ${mid}, the page is for ${cfg.merchant}`);
      }
      return data.token;
    })();
  }
  try {
    return await tokenPromise;
  } catch (e) {
    tokenPromise = null;
    throw e;
  }
}

function claims(token) {
  try {
    return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return {};
  }
}

async function api(path, token, body) {
  const res = await fetch(BASE + path, {
    method: body === undefined ? "GET" : "POST", mode: "cors",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => { throw fail("network", "the video service could not be reached (is this origin in its [embed] origins?)"); });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = data.error || {};
    throw fail(e.code || `http_${res.status}`, e.message || `HTTP ${res.status}`);
  }
  return data;
}

// ---- the call panel: its own shadow root, so the shop's CSS and ours never meet ----
const CSS = `
:host{all:initial}
.btn{font:600 15px/1 system-ui,sans-serif;padding:12px 18px;border-radius:24px;border:0;background:#0b6b4f;color:#fff;cursor:pointer}
.btn[disabled]{opacity:.6;cursor:default}
.float{position:fixed;left:16px;bottom:16px;z-index:9998}
.panel{position:fixed;left:16px;bottom:70px;width:340px;z-index:9998;background:#111;color:#fff;border-radius:12px;
  padding:8px;font:13px/1.4 system-ui,sans-serif;box-shadow:0 6px 24px #0004}
.panel[hidden]{display:none}
.videos{position:relative}
.remote{width:100%;aspect-ratio:16/9;background:#000;border-radius:8px;display:block}
.local{position:absolute;right:6px;bottom:6px;width:30%;border-radius:6px;background:#222}
.row{display:flex;gap:8px;align-items:center;margin-top:6px}
.status{flex:1}
.error{color:#ffb4a9;margin-top:4px}
.hangup{background:#c62828}`;

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

function buildUi() {
  const host = el("div");
  host.id = "souk-embed";
  const root = host.attachShadow({ mode: "open" });
  const style = el("style");
  style.textContent = CSS;
  const target = cfg.callTarget ? document.querySelector(cfg.callTarget) : null;
  const button = el("button", target ? "btn" : "btn float", cfg.callLabel || "Video call the seller");
  button.part = "call-button";
  const panel = el("section", "panel");
  panel.hidden = true;
  panel.setAttribute("aria-label", "Video call");
  const videos = el("div", "videos");
  const remote = el("video", "remote");
  remote.autoplay = true; remote.playsInline = true;
  const local = el("video", "local");
  local.autoplay = true; local.playsInline = true; local.muted = true;
  videos.append(remote, local);
  const row = el("div", "row");
  const status = el("span", "status");
  status.setAttribute("aria-live", "polite");
  const hangup = el("button", "btn hangup", "Hang up");
  row.append(status, hangup);
  const error = el("div", "error");
  panel.append(videos, row, error);
  root.append(style, panel);
  if (target) {
    const btnRoot = el("span");
    btnRoot.attachShadow({ mode: "open" }).append(style.cloneNode(true), button);
    target.append(btnRoot);
  } else root.append(button);
  document.body.append(host);
  return { host, button, panel, remote, local, status, hangup, error };
}

let ui = null;

function show(text) {
  ui.panel.hidden = false;
  ui.error.textContent = "";
  ui.status.textContent = text;
}

function report(err) {
  state.errors.push(err.code || String(err));
  ui.error.textContent = MESSAGES[err.code] || err.message || String(err);
}

function onCall({ call }) {
  state.call = call;
  if (call.state === "ringing") ui.status.textContent = "Ringing the seller…";
  else if (call.state === "accepted") {
    state.phase = "in-call";
    ui.status.textContent = "Connected with the seller";
  } else finish(FINAL[call.state] || "Call ended.");
}

function follow(client) {
  client.on("call", onCall);
  client.on("close", () => { if (state.phase !== "idle") finish("The connection to the call was lost."); });
  client.on("reconnecting", () => { ui.status.textContent = "Connection lost, reconnecting…"; });
}

function attach(room) {
  room.on("local", ({ stream }) => { ui.local.srcObject = stream; });
  room.on("track", ({ stream }) => { if (ui.remote.srcObject !== stream) ui.remote.srcObject = stream; });
  room.on("track.ended", () => { ui.remote.srcObject = null; });
  room.on("error", (e) => report(e));
}

function productSku() {
  if (cfg.sku) return cfg.sku;
  const tagged = document.querySelector("[data-souk-sku]");
  return tagged ? tagged.dataset.soukSku : "";
}

// desk: the assistant conversation whose agent offered this call (the call lands on its timeline).
async function startCall(desk = null) {
  if (state.phase !== "idle") return;
  state.phase = "calling";
  ui.button.disabled = true;
  show(desk ? `Calling ${desk.agent_name || "our team"}…` : "Calling the seller…");
  const camera = getMedia({ audio: true, video: true });
  camera.catch(() => {});
  try {
    const body = { product_sku: productSku(), language, ...(desk ? { conversation_id: desk.conversation_id } : {}) };
    let res;
    try {
      res = await api("/v1/consults", await shopperToken(), body);
    } catch (e) {
      if (e.code !== "token_expired") throw e;
      res = await api("/v1/consults", await shopperToken({ fresh: true }), body);
    }
    state.call = res.call;
    state.roomToken = res.token;
    state.client = await connect({ token: res.token, baseUrl: BASE, join: res.call.room });
    follow(state.client);
    state.room = await state.client.join(res.call.room);
    attach(state.room);
    await state.room.publish({ stream: await camera });
  } catch (err) {
    camera.then((s) => { if (!state.room || state.room.localStream !== s) s.getTracks().forEach((t) => t.stop()); }, () => {});
    await hangupCall();
    finish("Call failed.");
    report(err);
  }
}

// The desk rang the shopper's assistant with a room token: join that room.
async function joinDeskCall({ room_id: roomId, token, call_id: callId, agent_name: agentName }) {
  if (state.phase !== "idle") return;
  state.phase = "calling";
  ui.button.disabled = true;
  show(`Joining the video call with ${agentName || "our team"}…`);
  try {
    state.roomToken = token;
    state.call = { call_id: callId, room: roomId, state: "accepted" };
    state.client = await connect({ token, baseUrl: BASE });
    follow(state.client);
    state.room = await state.client.join(roomId);
    attach(state.room);
    await state.room.publish({ audio: true, video: true });
    state.phase = "in-call";
    ui.status.textContent = `In a video call with ${agentName || "our team"}`;
  } catch (err) {
    await hangupCall();
    finish("Call failed.");
    report(err);
  }
}

async function hangupCall() {
  const { call, roomToken } = state;
  if (call && roomToken && !ENDED.includes(call.state)) {
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
  ui.remote.srcObject = null;
  if (ui.local.srcObject) ui.local.srcObject.getTracks().forEach((t) => t.stop());
  ui.local.srcObject = null;
  ui.status.textContent = text;
  ui.button.disabled = false;
}

async function mountAssistant() {
  const { mountAssistant: mount } = await import("/static/assistant/widget.js");
  state.assistant = await mount({ token: await shopperToken(), target: document.body, language, baseUrl: BASE });
  document.body.addEventListener("souk-assistant-handoff", (e) => {
    if (cfg.call !== "false" && e.detail && e.detail.kind === "video" && state.phase === "idle") startCall();
  });
  document.body.addEventListener("souk-assistant-call", (e) => { // the desk's video escalation
    if (cfg.call === "false" || state.phase !== "idle" || !e.detail) return; // busy: the widget says so
    e.preventDefault();
    if (e.detail.token) joinDeskCall(e.detail);
    else startCall(e.detail);
  });
}

async function main() {
  if (cfg.call !== "false") {
    ui = buildUi();
    ui.button.addEventListener("click", () => startCall());
    ui.hangup.addEventListener("click", async () => { await hangupCall(); finish("Call ended."); });
  } else {
    ui = { button: {}, panel: {}, remote: {}, local: {}, status: {}, error: {} };
  }
  if (cfg.assistant !== "false") {
    try {
      await mountAssistant();
    } catch (e) {
      state.errors.push(e.code || String(e));
      console.warn("souk: the shopping assistant is unavailable", e);
    }
  }
  state.ready = true;
  document.dispatchEvent(new CustomEvent("souk-embed-ready", { detail: state }));
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main, { once: true });
else main();
