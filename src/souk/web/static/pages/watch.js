// Viewer page of a live show: the stage's videos, danmaku and chat, likes and gifts, the pinned product with
// the price in the viewer's currency, flash sales with live stock, cart and checkout, raise a hand and join
// the stage (consent to recording shown), ask the host privately.
import { connect } from "/static/sdk/souk.js";
import { chat } from "/static/rtm/chat.js";
import { chatTranslation } from "./translate-ui.js";
import { $, chatLine, dropTile, explain, notice, pageToken, rest, text, tile } from "./live-common.js";
import { mountGroupBuy } from "./group-buy.js";
import { mountCaptions } from "./captions.js";
import { fillConsent, recordingText, withdrawConsent } from "./consent.js";

const root = $("watch");
const ROOM = root.dataset.room;
const GIFTS = { rose: "🌹", rocket: "🚀" };
const state = {
  token: null, cohostToken: null, identity: null, client: null, room: null, chat: null, channel: null,
  show: null, pinned: null, sale: null, order: null, onStage: false, invited: false, ended: false,
};
window.soukWatch = state; // for tests and debugging

const base = () => `/v1/live/${encodeURIComponent(ROOM)}`;
const call = (method, path, body) => rest(method, `${base()}${path}`, state.token, body);
const country = () => $("country").value;

function setStatus(status) {
  const el = $("show-status");
  el.className = `badge ${status}`;
  text(el, status === "live" ? "LIVE" : status === "ended" ? "Ended" : "Waiting");
}

// ---- video
async function watch(token) {
  const client = await connect({ token });
  state.client = client;
  client.on("room.closed", (m) => { if (m.reason === "show_ended") showEnded(); });
  client.on("stage", (m) => { if (m.event === "removed") leftStage("The host removed you from the stage."); else recordingEvent(m.event); });
  client.on("close", () => { if (!state.ended && state.client === client) notice("The connection to the show was lost. Reload to watch again."); });
  client.on("reconnecting", () => notice("Connection lost, reconnecting…"));
  client.on("reconnected", () => notice(""));
  const room = await client.join(ROOM);
  state.room = room;
  state.identity = room.identity;
  room.on("track", ({ participant, stream, track }) => {
    tile($("stage"), participant, stream, nameOf(participant));
    if (track.kind === "video" && $("layer").value !== "2") room.layer(participant, Number($("layer").value)).catch(() => {});
  });
  room.on("track.ended", ({ participant }) => dropTile($("stage"), participant));
  room.on("error", (e) => console.warn("souk: subscription failed", e));
  return room;
}

// (Re)join the show's media with the viewer token: at load when live, and when a show starts.
function startWatching() {
  if (state.client) { const old = state.client; state.client = null; old.close(); }
  for (const t of [...$("stage").querySelectorAll(".tile")]) t.remove();
  return watch(state.token).catch((e) => notice(explain(e)));
}

function nameOf(identity) {
  const m = state.show && (state.show.stage || []).find((s) => s.identity === identity);
  return (m && m.name) || identity;
}

function showEnded() {
  state.ended = true;
  setStatus("ended");
  notice("The show has ended. Thanks for watching!");
  for (const t of [...$("stage").querySelectorAll(".tile")]) t.remove();
  $("hand-btn").disabled = true;
}

// ---- chat, danmaku, likes, gifts
let lane = 0;
function flyDanmaku(m) {
  const el = document.createElement("div");
  el.className = "bullet";
  text(el, m.b);
  el.style.top = `${6 + (lane++ % 8) * 11}%`;
  el.addEventListener("animationend", () => el.remove());
  // auto mode: the bullet flies in the reader's language once the translation is there
  if (state.tr && state.tr.prefs.auto && m.seq && typeof m.b === "string") {
    state.tr.translator.get(m.seq).then((r) => { if (r.translated) { text(el, r.text); el.dataset.view = "translated"; } });
  }
  $("danmaku").append(el);
}

function hearts(n) {
  for (let i = 0; i < Math.min(n, 20); i++) {
    const el = document.createElement("div");
    el.className = "heart";
    el.textContent = "❤";
    el.style.setProperty("--dx", `${Math.round(Math.random() * 120 - 60)}px`);
    el.addEventListener("animationend", () => el.remove());
    $("hearts").append(el);
  }
}

// chat and danmaku lines get a translate toggle (docs/translation.md)
function translatable(m) {
  if (!state.tr || (m.k !== "chat" && m.k !== "danmaku") || typeof m.b !== "string") return;
  const li = $("messages").querySelector(`li[data-seq="${m.seq}"]`);
  const body = li && li.querySelector(".body");
  if (body) state.tr.add(li, body, m.seq, m.b);
}

function onMessage(m) {
  if (state.captions) state.captions.onMessage(m);
  chatLine($("messages"), m);
  translatable(m);
  if (m.k === "chat" || m.k === "danmaku") flyDanmaku(m);
  if (m.k === "gift") flyDanmaku({ b: `${GIFTS[m.b && m.b.gift] || "🎁"} ${m.name || m.from}` });
  if (m.k === "system" && m.b && typeof m.b === "object") onSystem(m.b);
}

function onSystem(b) {
  switch (b.type) {
    case "show_start":
      state.ended = false; setStatus("live"); notice(""); text($("show-title"), b.title || ""); $("hand-btn").disabled = false;
      refreshShow();
      startWatching();
      break;
    case "show_end": showEnded(); break;
    case "pin": showPinned(b.card); break;
    case "unpin": if (state.pinned && state.pinned.sku === b.sku) { state.pinned = null; $("pinned").classList.add("hidden"); } break;
    case "sale_start": case "sale_stock": case "sale_end": showSale(b); break;
    case "group_buy_start": case "group_buy_progress": case "group_buy_tier": case "group_buy_end":
      if (state.groupBuy) state.groupBuy.onSystem(b);
      break;
    case "stage_invite": if (b.identity === state.identity) showInvite(); break;
    case "stage_joined": case "stage_left": refreshShow(); break;
    default: break;
  }
}

async function startChat() {
  const client = await chat({ token: state.token });
  state.chat = client;
  client.on("error", (e) => notice(explain(e)));
  const channel = await client.join(ROOM, { history: 50 });
  state.channel = channel;
  state.captions = mountCaptions({ controls: $("caption-controls"), screen: document.querySelector(".screen"), room: ROOM,
    post: (path, body) => rest("POST", path, state.token, body) });
  state.tr = chatTranslation({
    controlsEl: $("tr-controls"),
    fetchBatch: (seqs, to) => rest("POST", `/v1/rtm/channels/${encodeURIComponent(ROOM)}/translations`, state.token, { to, seqs }),
  });
  for (const m of channel.messages) { chatLine($("messages"), m); translatable(m); }
  channel.on("message", onMessage);
  channel.on("aggregate", (a) => { if (a.like) hearts(a.like); });
  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = $("chat-input").value.trim();
    if (!value) return;
    $("chat-input").value = "";
    try { await channel.danmaku(value); } catch (e) { notice(explain(e)); }
  });
  $("like-btn").addEventListener("click", () => { channel.like(1); hearts(1); });
  for (const b of document.querySelectorAll(".gift-btn")) {
    b.addEventListener("click", () => channel.gift({ gift: b.dataset.gift }).catch((e) => notice(explain(e))));
  }
}

// ---- commerce
async function showPinned(card) {
  if (!card) return;
  state.pinned = card;
  $("pinned").classList.remove("hidden");
  text($("pin-name"), card.name);
  text($("pin-price"), `${card.currency} ${card.price}`);
  text($("pin-landed"), "");
  try {
    const q = await call("GET", `/quote/${encodeURIComponent(card.sku)}?country=${encodeURIComponent(country())}`);
    if (!state.pinned || state.pinned.sku !== card.sku) return;
    text($("pin-price"), `${q.currency} ${q.price_local}`);
    if (!q.ships) text($("pin-landed"), `Does not ship to ${country()}`);
    else if (q.landed) {
      const l = q.landed;
      const later = Number(l.on_delivery_local) > 0 ? ` + ${l.currency} ${l.on_delivery_local} duties on delivery` : "";
      text($("pin-landed"), `Delivered to ${country()}: ${l.currency} ${l.pay_now_local} to pay now${later} (indicative)`);
    }
  } catch (e) {
    text($("pin-landed"), explain(e));
  }
}

let saleTimer = null;
function showSale(b) {
  const box = $("sale");
  if (state.sale && state.sale.sale_id !== b.sale_id && b.type !== "sale_start") return;
  state.sale = { ...(state.sale && state.sale.sale_id === b.sale_id ? state.sale : {}), ...b };
  const s = state.sale;
  box.classList.remove("hidden");
  if (s.card) text($("sale-name"), s.card.name);
  text($("sale-price"), `${s.currency || ""} ${s.price}`.trim());
  text($("sale-left"), String(s.remaining));
  const over = b.type === "sale_end" || !s.active || s.remaining <= 0;
  $("buy-btn").disabled = over;
  clearInterval(saleTimer);
  if (over) { text($("sale-time"), s.remaining <= 0 ? "Sold out" : "Ended"); return; }
  const tick = () => {
    const left = Math.max(0, Math.round(s.ends_at - Date.now() / 1000));
    text($("sale-time"), `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`);
    if (left <= 0) { clearInterval(saleTimer); $("buy-btn").disabled = true; text($("sale-time"), "Ended"); }
  };
  tick();
  saleTimer = setInterval(tick, 500);
}

async function buy() {
  if (!state.sale) return;
  $("buy-btn").disabled = true;
  try {
    const order = await call("POST", `/sales/${encodeURIComponent(state.sale.sale_id)}/buy`, { qty: 1, country: country() });
    state.order = order;
    text($("order"), `Order ${order.order_id}: ${order.currency} ${order.total}`);
    notice("");
  } catch (e) {
    notice(explain(e));
  } finally {
    $("buy-btn").disabled = !(state.sale && state.sale.active && state.sale.remaining > 0);
  }
}

function showCart(lines) {
  const ul = $("cart");
  ul.replaceChildren();
  for (const ln of lines || []) {
    const li = document.createElement("li");
    text(li, `${ln.qty} × ${ln.name || ln.sku}`);
    ul.append(li);
  }
}

async function checkout(ev) {
  ev.preventDefault();
  const coupon = $("coupon").value.trim();
  try {
    const order = await call("POST", "/checkout", { country: country(), ...(coupon ? { coupon } : {}) });
    state.order = order;
    text($("order"), `Order ${order.order_id}: ${order.currency} ${order.total}${order.coupon ? ` (coupon ${order.coupon}, -${order.discount})` : ""}`);
    showCart([]);
    notice("");
  } catch (e) {
    notice(explain(e));
  }
}

// ---- stage
async function refreshShow() {
  try {
    state.show = await call("GET", "/show");
  } catch (e) {
    return;
  }
  const s = state.show;
  setStatus(s.status);
  text($("show-title"), s.title || "");
  if (s.status === "ended") showEnded();
  if (s.status === "idle") notice("The show hasn't started yet. Stay here: it starts on its own.");
}

function showInvite() {
  state.invited = true;
  $("invite").classList.remove("hidden");
  $("invite-rec").classList.toggle("hidden", !(state.show && state.show.recording));
  if (state.show && state.show.recording) {  // the banner in the viewer's language (pages/consent.js)
    recordingText(state.token).then((t) => { state.recText = t; fillConsent($("invite-rec"), t); }).catch(() => {});
  }
}

async function acceptInvite() {
  const consent = $("consent").checked;
  try {
    const shown = consent && state.recText ? { language: state.recText.language, text_version: state.recText.version } : {};
    const res = await call("POST", "/stage/accept", { consent_recording: consent, ...shown });
    $("norec-btn").classList.toggle("hidden", !res.recording);
    state.cohostToken = res.token;
    $("invite").classList.add("hidden");
    // the co-host token replaces the viewer's socket: rejoin with it, then publish the camera
    const old = state.client;
    state.client = null;
    old.close();
    for (const t of [...$("stage").querySelectorAll(".tile")]) t.remove();
    const room = await watch(res.token);
    const stream = await room.publish({ audio: true, video: true });
    const me = tile($("stage"), state.identity, stream, "You");
    me.classList.add("local");
    me.querySelector("video").muted = true;
    state.onStage = true;
    $("hand-btn").classList.add("hidden");
    $("leave-stage-btn").classList.remove("hidden");
    notice("");
  } catch (e) {
    notice(explain(e));
  }
}

// the recorder's word on me (souk.signal.consent_gate): not recorded, or my recording stopped
function recordingEvent(event) {
  if (event === "not_recorded") notice("You are on stage and not recorded.");
  if (event === "recording_stopped") { notice("Recording of you stopped."); $("norec-btn").classList.add("hidden"); }
}

async function leftStage(message) {
  state.onStage = false;
  if (state.room && state.room.pub) { state.room.pub.pc.close(); state.room.pub = null; }
  dropTile($("stage"), state.identity);
  $("hand-btn").classList.remove("hidden");
  $("leave-stage-btn").classList.add("hidden");
  $("norec-btn").classList.add("hidden");
  if (message) notice(message);
}

// The simulcast layer of every stage video (the studio publishes simulcast); "High" is Janus's default.
async function setLayer() {
  const substream = Number($("layer").value);
  if (!state.room) return;
  for (const sub of [...state.room.subs.values()]) {
    try {
      await state.room.layer(sub.participant, substream);
    } catch (e) {
      if (e.code !== "layer_unsupported") notice(explain(e));
    }
  }
}

async function raiseHand() {
  const btn = $("hand-btn");
  try {
    if (btn.classList.contains("active")) {
      await call("DELETE", "/stage/hand");
      btn.classList.remove("active");
      text(btn, "✋ Raise hand");
    } else {
      await call("POST", "/stage/hand", { note: "" });
      btn.classList.add("active");
      text(btn, "✋ Hand raised (lower)");
    }
    notice("");
  } catch (e) {
    notice(explain(e));
  }
}

async function main() {
  try {
    state.token = await pageToken("viewer");
  } catch (e) {
    notice(e.code === "demo_disabled" ? "Open this page with #token=<viewer token for this room>." : explain(e));
    return;
  }
  $("buy-btn").addEventListener("click", buy);
  state.groupBuy = mountGroupBuy($("group-buy"), { room: ROOM, token: state.token, country });
  $("cart-btn").addEventListener("click", async () => {
    if (!state.pinned) return;
    try { showCart((await call("POST", "/cart", { sku: state.pinned.sku, qty: 1 })).lines); } catch (e) { notice(explain(e)); }
  });
  $("checkout-form").addEventListener("submit", checkout);
  $("country").addEventListener("change", () => state.pinned && showPinned(state.pinned));
  $("layer").addEventListener("change", setLayer);
  $("hand-btn").addEventListener("click", raiseHand);
  $("accept-btn").addEventListener("click", acceptInvite);
  $("decline-btn").addEventListener("click", async () => {
    $("invite").classList.add("hidden");
    try { await call("POST", "/stage/decline", {}); } catch (e) { notice(explain(e)); }
  });
  $("norec-btn").addEventListener("click", async () => {  // withdraw: the server stops recording me at once
    const lang = state.recText ? state.recText.language : "en";
    try { await withdrawConsent(state.cohostToken, "recording", lang, "watch_page"); } catch (e) { notice(explain(e)); }
  });
  $("leave-stage-btn").addEventListener("click", async () => {
    try { await rest("POST", `${base()}/stage/leave`, state.cohostToken, {}); } catch (e) { notice(explain(e)); }
    leftStage("");
  });
  $("consult-btn").addEventListener("click", () => import("./watch-consult.js").then((m) => m.askPrivately(state, call)).catch((e) => notice(explain(e))));
  await refreshShow();
  await Promise.all([
    startChat().catch((e) => notice(`Chat is unavailable: ${explain(e)}`)),
    state.show && state.show.status === "live" ? startWatching() : null,
    call("GET", "/pins").then(async (r) => {
      const sku = (r.pinned || []).slice(-1)[0];
      if (sku) showPinned(typeof sku === "string" ? { sku, name: sku, price: "", currency: "" } : sku);
    }).catch(() => {}),
    call("GET", "/cart").then((r) => showCart(r.lines)).catch(() => {}),
  ]);
  state.ready = true;
}

main().catch((e) => notice(explain(e)));
