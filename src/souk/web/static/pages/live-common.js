// Shared by the host studio and the viewer page: tokens, REST calls, video tiles, chat lines.
// Every text from users (chat, names, titles, notes) is put into the page with textContent only.
import { text } from "/static/rtm/chat.js";
import { tokenFromHash } from "./call-ui.js";

export { text };
export const $ = (id) => document.getElementById(id);

export const MESSAGES = {
  camera_denied: "Camera or microphone permission was denied. Allow it in your browser's site settings and reload.",
  camera_missing: "No camera or microphone was found on this device.",
  camera_busy: "Your camera or microphone is being used by another application.",
  network: "The network connection failed. Check your connection and try again.",
  connection_closed: "The connection to the show was lost.",
  timeout: "The service did not answer in time. Please try again.",
  token_expired: "Your session expired. Reload the page.",
  show_not_live: "The show is not live.",
  sold_out: "Sold out.",
  sale_ended: "This flash sale has ended.",
  consent_required: "Please agree to the recording to join the stage.",
  stage_full: "The stage is full; your invite stays until a seat frees.",
  already_on_stage: "You are already on stage.",
  coupon_invalid: "That coupon is not valid.",
  coupon_used: "That coupon was already used.",
  cart_empty: "Your cart is empty.",
};

export function explain(err) {
  return MESSAGES[err && err.code] || (err && err.message) || String(err);
}

export function notice(message) {
  const el = $("notice");
  if (!message) { el.classList.add("hidden"); text(el, ""); return; }
  text(el, message);
  el.classList.remove("hidden");
}

export async function rest(method, path, token, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw Object.assign(new Error("network"), { code: "network" });
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = data.error || {};
    throw Object.assign(new Error(e.message || `HTTP ${res.status}`), { code: e.code || `http_${res.status}` });
  }
  return data;
}

// The page's token: the URL fragment wins (#token=...); else a demo token from a server in demo mode.
export async function pageToken(as) {
  const fromHash = tokenFromHash();
  if (fromHash) return fromHash;
  const res = await rest("POST", "/v1/demo/tokens", null, { as });
  return res.token;
}

// One <video> tile per participant on the stage.
export function tile(stageEl, participant, stream, label) {
  let el = stageEl.querySelector(`.tile[data-participant="${CSS.escape(participant)}"]`);
  if (!el) {
    el = document.createElement("div");
    el.className = "tile";
    el.dataset.participant = participant;
    const video = document.createElement("video");
    video.autoplay = true; video.playsInline = true;
    const who = document.createElement("span");
    who.className = "who";
    el.append(video, who);
    stageEl.append(el);
  }
  text(el.querySelector(".who"), label || participant);
  const video = el.querySelector("video");
  if (video.srcObject !== stream) video.srcObject = stream;
  video.play().catch(() => {});
  return el;
}

export function dropTile(stageEl, participant) {
  stageEl.querySelector(`.tile[data-participant="${CSS.escape(participant)}"]`)?.remove();
}

const SYSTEM_TEXT = {
  show_start: (b) => `The show started${b.title ? ": " + b.title : ""}`,
  show_end: () => "The show has ended.",
  hand_raised: (b) => `${b.name || b.identity} raised a hand`,
  stage_joined: (b) => `${b.name || b.identity} joined the stage`,
  stage_left: (b) => `${b.identity} left the stage`,
  pin: (b) => `Pinned: ${b.card && b.card.name}`,
  sale_start: (b) => `Flash sale: ${b.card && b.card.name} at ${b.currency || ""} ${b.price}`,
  sale_end: () => "The flash sale ended",
  coupon: (b) => `Coupon ${b.code} is available`,
  group_buy_start: (b) => `Group buy: ${(b.card && b.card.name) || b.sku} from ${b.currency} ${b.price}, cheaper as more join`,
  group_buy_tier: (b) => `Group buy: ${b.buyers} joined, everyone now pays ${b.currency} ${b.price}`,
  group_buy_end: (b) => `Group buy closed at ${b.buyers} buyers: ${b.currency} ${b.price} each`,
};

export function chatLine(listEl, m) {
  let line = null;
  if (m.k === "system") {
    const b = m.b || {};
    const f = SYSTEM_TEXT[b.type];
    if (!f) return;
    line = f(b);
  }
  const li = document.createElement("li");
  li.dataset.seq = m.seq;
  if (line !== null) {
    li.className = "system";
    text(li, line);
  } else {
    const who = document.createElement("span");
    who.className = "who";
    text(who, m.name || m.from);
    const body = document.createElement("span");
    body.className = "body";
    text(body, m.k === "gift" ? `sent ${m.b && m.b.gift}` : m.b);
    li.append(who, body);
  }
  listEl.append(li);
  while (listEl.children.length > 300) listEl.firstChild.remove();
  listEl.scrollTop = listEl.scrollHeight;
}
