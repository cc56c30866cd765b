// Host studio: camera preview, go live / end the show, co-hosts (raised hands, invite, remove, mute), pins,
// flash sales and coupons, live stats, chat, PK. The token is the room's host token (#token=... or, in demo
// mode, the demo host token for "live-demo").
import { connect, getMedia } from "/static/sdk/souk.js";
import { chat } from "/static/rtm/chat.js";
import { $, chatLine, dropTile, explain, notice, pageToken, rest, text, tile } from "./live-common.js";
import { mountGroupBuyHost } from "./group-buy.js";

const root = $("studio");
const ROOM = root.dataset.room;
const state = {
  token: null, client: null, room: null, chat: null, channel: null, stream: null, show: null,
  hands: new Map(), stats: { viewers: 0, likes: 0, carts: 0, orders: 0, revenue: 0 }, sales: new Map(), pinned: new Set(), pinning: new Map(),
};
window.soukStudio = state; // for tests and debugging

const base = () => `/v1/live/${encodeURIComponent(ROOM)}`;
const call = (method, path, body) => rest(method, `${base()}${path}`, state.token, body);

function act(fn) { // run a control's action; show its refusal clearly
  return async (ev) => {
    if (ev) ev.preventDefault();
    try { await fn(ev); notice(""); } catch (e) { notice(explain(e)); }
  };
}

// ---- show
function render(show) {
  state.show = show;
  const live = show.status === "live";
  const badge = $("show-status");
  badge.className = `badge ${show.status}`;
  text(badge, live ? "LIVE" : show.status === "ended" ? "Ended" : "Off air");
  $("live-btn").disabled = live;
  $("end-btn").disabled = !live;
  $("title").disabled = live;
  $("record").disabled = live;
  $("captions-on").disabled = !live; // captions are per show: on only while live
  if (!live) $("captions-on").checked = false;
  if (live && state.captionsShow !== show.show_id) { // after a reload: the switch as the server has it
    state.captionsShow = show.show_id;
    call("GET", "/captions").then((st) => { $("captions-on").checked = st.enabled; $("captions-src").value = st.source_lang || ""; })
      .catch(() => {});
  }
  if (live && show.title) $("title").value = show.title;
  if (typeof show.viewers === "number") setStat("viewers", show.viewers);
  const ul = $("onstage");
  ul.replaceChildren();
  for (const m of show.stage || []) {
    if (m.identity === show.host) continue;
    const li = document.createElement("li");
    li.dataset.identity = m.identity;
    const name = document.createElement("span");
    name.className = "name";
    text(name, `${m.name || m.identity}${m.publishing ? "" : " (connecting)"}`);
    li.append(name);
    for (const [kind, muted] of [["audio", m.audio_muted], ["video", m.video_muted]]) {
      const b = document.createElement("button");
      b.className = `mute-${kind}`;
      text(b, `${muted ? "Unmute" : "Mute"} ${kind}`);
      b.onclick = act(() => call("POST", "/stage/mute", { identity: m.identity, kind, muted: !muted }).then(refresh));
      li.append(b);
    }
    const rm = document.createElement("button");
    rm.className = "remove danger";
    text(rm, "Remove");
    rm.onclick = act(() => call("POST", "/stage/remove", { identity: m.identity }).then(refresh));
    li.append(rm);
    ul.append(li);
  }
  state.hands = new Map((show.hands || []).map((h) => [h.identity, h]));
  renderHands();
  if (show.pk) text($("pk-status"), show.pk.active ? `PK with ${show.pk.room} (${show.pk.host})` : `PK invite: ${show.pk.room}`);
  else text($("pk-status"), "");
}

async function refresh() {
  render(await call("GET", "/show"));
}

function renderHands() {
  const ul = $("hands");
  ul.replaceChildren();
  for (const h of state.hands.values()) {
    const li = document.createElement("li");
    li.dataset.identity = h.identity;
    const name = document.createElement("span");
    name.className = "name";
    text(name, `${h.name || h.identity}${h.note ? ` — ${h.note}` : ""}`);
    const ok = document.createElement("button");
    ok.className = "approve primary";
    text(ok, "Approve");
    ok.onclick = act(async () => {
      await call("POST", "/stage/approve", { identity: h.identity });
      state.hands.delete(h.identity);
      renderHands();
    });
    li.append(name, ok);
    ul.append(li);
  }
}

// ---- media: preview and publish, co-host tiles
async function startMedia() {
  try {
    state.stream = await getMedia({ audio: true, video: true });
  } catch (e) {
    notice(explain(e));
    throw e;
  }
  $("preview").srcObject = state.stream;
  const client = await connect({ token: state.token });
  state.client = client;
  client.on("close", () => notice("The connection to the studio was lost. Reload the page."));
  client.on("reconnecting", () => notice("Connection lost, reconnecting…"));
  client.on("reconnected", () => notice(""));
  client.on("room.closed", () => { state.room = null; });
  // Before the first show the room may not exist on the media server yet: going live creates it.
  await joinAndPublish().catch((e) => console.info("souk: preview only until the show starts", e.code));
}

async function joinAndPublish() {
  if (!state.room) {
    const room = await state.client.join(ROOM);
    state.room = room;
    room.on("track", ({ participant, stream }) => tile($("stage"), participant, stream, participant));
    room.on("track.ended", ({ participant }) => dropTile($("stage"), participant));
    room.on("published", () => refresh().catch(() => {}));
    room.on("media", () => refresh().catch(() => {}));
  }
  if (!state.room.pub) await state.room.publish({ stream: state.stream, simulcast: true });
}

async function goLive() {
  const show = await call("POST", "/show", { title: $("title").value.trim(), record: $("record").checked });
  render(show);
  if (state.client && !(state.room && state.room.pub)) await joinAndPublish(); // first show, or after an end
}

async function endShow() {
  render(await call("POST", "/show/end", {}));
  for (const t of [...$("stage").querySelectorAll(".tile:not(.local)")]) t.remove();
}

// ---- stats
function setStat(key, value) {
  state.stats[key] = value;
  text($(`stat-${key}`), key === "revenue" ? Number(value).toFixed(2) : String(value));
}

// ---- commerce
function productRow(sku) { return root.querySelector(`#products li[data-sku="${CSS.escape(sku)}"]`); }

async function pin(sku) {
  const change = state.pinned.has(sku) ? call("DELETE", `/pins/${encodeURIComponent(sku)}`) : call("POST", "/pins", { sku });
  state.pinning.set(sku, change.catch(() => {}));  // a sale clicked right after waits for it (a sale needs the pin)
  try {
    const r = await change;
    if (r && r.pinned) markPins(r.pinned);
  } finally {
    state.pinning.delete(sku);
  }
}

function markPins(pinned) {
  state.pinned = new Set(pinned.map((p) => (typeof p === "string" ? p : p.sku)));
  if (state.groupBuy) state.groupBuy.refreshSkus();
  for (const li of root.querySelectorAll("#products li")) {
    const on = state.pinned.has(li.dataset.sku);
    li.classList.toggle("pinned", on);
    text(li.querySelector("button.pin"), on ? "Unpin" : "Pin");
  }
}

async function startSale(li) {
  await state.pinning.get(li.dataset.sku);
  const units = Number($("sale-units").value);
  const price = $("sale-price").value || li.dataset.price;
  const secs = Number($("sale-secs").value);
  const sale = await call("POST", "/sales", { sku: li.dataset.sku, units, price, duration_s: secs });
  state.sales.set(sale.sale_id, sale);
  text($("sale-status"), `Flash sale ${li.querySelector(".name").textContent}: ${sale.remaining}/${sale.units} left`);
}

function onSale(b) {
  const before = state.sales.get(b.sale_id);
  const sold = before ? before.remaining - b.remaining : 0;
  if (sold > 0) {
    setStat("orders", state.stats.orders + sold);
    setStat("revenue", state.stats.revenue + sold * Number(b.price));
  }
  state.sales.set(b.sale_id, { ...(before || {}), ...b });
  const name = b.card ? b.card.name : b.sku;
  text($("sale-status"), b.type === "sale_end" ? `Flash sale ended: ${b.units - b.remaining}/${b.units} sold`
    : `Flash sale ${name}: ${b.remaining}/${b.units} left`);
}

// ---- chat and the channel's system messages
function onMessage(m) {
  chatLine($("messages"), m);
  if (m.k !== "system" || !m.b || typeof m.b !== "object") return;
  const b = m.b;
  switch (b.type) {
    case "hand_raised": state.hands.set(b.identity, b); renderHands(); break;
    case "hand_lowered": state.hands.delete(b.identity); renderHands(); break;
    case "stage_joined": case "stage_left": case "stage_declined": case "stage_muted": case "pk_start": case "pk_end": case "pk_invite":
      refresh().catch(() => {}); break;
    case "pin": case "unpin":  // an unpin message names only its sku: read the room's pins again
      if (b.pinned) markPins(b.pinned);
      else call("GET", "/pins").then((r) => markPins(r.pinned || [])).catch(() => {});
      break;
    case "group_buy_progress": case "group_buy_tier": if (state.groupBuy) state.groupBuy.onSystem(b); break;
    case "sale_start": case "sale_stock": case "sale_end": onSale(b); break;
    default: break;
  }
}

async function startChat() {
  const client = await chat({ token: state.token });
  state.chat = client;
  const channel = await client.join(ROOM, { history: 50 });
  state.channel = channel;
  for (const m of channel.messages) chatLine($("messages"), m);
  channel.on("message", onMessage);
  channel.on("aggregate", (a) => {
    if (typeof a.online === "number") setStat("viewers", Math.max(0, a.online - 1));
    if (a.like) setStat("likes", channel.likes);
  });
  channel.who().then((p) => setStat("viewers", Math.max(0, p.count - 1))).catch(() => {});
  $("composer").addEventListener("submit", act(async () => {
    const value = $("chat-input").value.trim();
    if (!value) return;
    $("chat-input").value = "";
    await channel.send(value);
  }));
}

async function main() {
  try {
    state.token = await pageToken("host");
  } catch (e) {
    notice(e.code === "demo_disabled" ? "Open this page with #token=<host token for this room>." : explain(e));
    return;
  }
  $("show-form").addEventListener("submit", act(goLive));
  state.groupBuy = mountGroupBuyHost($("group-buy-host"), { room: ROOM, token: state.token, skus: () => [...state.pinned] });
  $("end-btn").addEventListener("click", act(endShow));
  $("captions-on").addEventListener("change", act(async () => {
    const box = $("captions-on");
    try {
      const st = await call("POST", "/captions", { enabled: box.checked, lang: $("captions-src").value || null });
      box.checked = st.enabled;
    } catch (e) { box.checked = false; throw e; } // e.g. captions_unavailable: this node has no speech model
  }));
  $("mic-btn").addEventListener("click", act(async () => {
    const muted = !(state.room && state.room.muted.audio);
    if (state.room) await state.room.mute("audio", muted);
    text($("mic-btn"), muted ? "Unmute mic" : "Mute mic");
  }));
  $("cam-btn").addEventListener("click", act(async () => {
    const muted = !(state.room && state.room.muted.video);
    if (state.room) await state.room.mute("video", muted);
    text($("cam-btn"), muted ? "Camera on" : "Camera off");
  }));
  $("invite-form").addEventListener("submit", act(async () => {
    const identity = $("invite-id").value.trim();
    if (!identity) return;
    await call("POST", "/stage/invite", { identity });
    $("invite-id").value = "";
  }));
  $("products").addEventListener("click", act(async (ev) => {
    const li = ev.target.closest("li");
    if (!li) return;
    if (ev.target.matches("button.pin")) await pin(li.dataset.sku);
    else if (ev.target.matches("button.sale")) await startSale(li);
  }));
  $("coupon-form").addEventListener("submit", act(async () => {
    const code = $("coupon-code").value.trim();
    if (!code) return;
    await call("POST", "/coupons", { code, kind: $("coupon-kind").value, value: $("coupon-value").value });
    text($("sale-status"), `Coupon ${code} is live`);
  }));
  $("pk-form").addEventListener("submit", act(() => call("POST", "/pk", { room: $("pk-room").value.trim() }).then(refresh)));
  $("pk-accept").addEventListener("click", act(() => call("POST", "/pk/accept", { room: $("pk-room").value.trim() }).then(refresh)));
  $("pk-end").addEventListener("click", act(() => call("DELETE", "/pk").then(refresh)));
  await Promise.all([
    refresh().catch((e) => notice(explain(e))),
    startChat().catch((e) => notice(`Chat is unavailable: ${explain(e)}`)),
    call("GET", "/pins").then((r) => markPins(r.pinned || [])).catch(() => {}),
    startMedia().catch((e) => notice(explain(e))),
    import("./studio-consult.js").then((mod) => mod.mountConsults(ROOM)).then((calls) => { state.calls = calls; })
      .catch((e) => text($("consults-status"), `Private calls are unavailable: ${explain(e)}`)),
  ]);
  state.ready = true;
}

main().catch((e) => notice(explain(e)));
