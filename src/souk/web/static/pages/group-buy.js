// The pinned-offer widget of a room (live show or voice room): a group buy's price tiers, how many joined and
// how many more unlock the next price, the countdown, and Join (which places the shopper's order; its price
// drops with the group's). A page mounts it and feeds it the room channel's system messages:
//
//   import { mountGroupBuy } from "/static/pages/group-buy.js";
//   const gb = mountGroupBuy(element, { room, token, country: () => "US" });
//   channel.on("message", (m) => { if (m.k === "system") gb.onSystem(m.b); });
//
// `mountGroupBuyHost(element, { room, token, skus })` is the seller's side: open an offer, end it.
// Every text from the server goes into the page with textContent only.

const TYPES = new Set(["group_buy_start", "group_buy_progress", "group_buy_tier", "group_buy_end"]);

export const MESSAGES = {
  already_joined: "You already joined this group buy.",
  group_buy_full: "This group buy is full.",
  group_buy_ended: "This group buy has ended.",
  group_buy_not_found: "This group buy is no longer available.",
  no_shipping: "The store does not ship to your country.",
  out_of_stock: "Sold out.",
  not_pinned: "The product is not pinned in this room any more.",
  not_enough_stock: "Not enough stock for that many units.",
  bad_group_buy: "Check the tiers: the first at 1 buyer, more buyers and a lower price each step.",
  not_host: "Only the host can do that.",
  network: "The network connection failed. Try again.",
};

const explain = (e) => MESSAGES[e && e.code] || (e && e.message) || String(e);

function el(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined) node.textContent = String(content);
  return node;
}

function styles() {
  if (document.querySelector("link[data-group-buy]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/static/pages/group-buy.css";
  link.dataset.groupBuy = "";
  document.head.append(link);
}

async function rest(method, path, token, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
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

export function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
  return `${h ? `${h}:` : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
}

// What the progress line says: pure, for the node tests.
export function progressText(o) {
  const joined = `${o.buyers} joined`;
  if (o.ended || !o.active) return `${joined} · final price ${o.currency} ${o.price}`;
  if (!o.next) return `${joined} · best price unlocked`;
  const more = o.next.needed;
  return `${joined} · ${more} more for ${o.currency} ${o.next.price}`;
}

// Whether a room message changes the offer shown: another offer only when it starts; a coalesced count
// older than a tier already shown never; and nothing but its end once an offer is over (a count sent before
// the end may arrive after it, from another node's ticker or the history replay: an ended offer never opens
// again).
export function takes(offer, b) {
  const current = Boolean(offer) && offer.offer_id === b.offer_id;
  if (!current) return b.type === "group_buy_start";
  if (b.type === "group_buy_progress" && b.buyers < offer.buyers) return false;
  if (b.type !== "group_buy_end" && (offer.ended || !offer.active)) return false;
  return true;
}

export function mountGroupBuy(root, { room, token, country = () => "US", onOrder = null } = {}) {
  styles();
  const base = `/v1/live/${encodeURIComponent(room)}/group-buys`;
  const countryOf = typeof country === "function" ? country : () => country;
  const state = { offer: null, mine: null, order: null, timer: null, closed: false };
  root.classList.add("group-buy");

  const title = el("h2", "gb-title", "Group buy");
  const name = el("p", "gb-name");
  const price = el("p", "gb-price");
  const tiers = el("ol", "gb-tiers");
  const bar = el("div", "gb-bar");
  const fill = el("div", "gb-fill");
  bar.append(fill);
  const progress = el("p", "gb-progress");
  const time = el("p", "gb-time muted");
  const qty = el("input", "gb-qty hidden");
  qty.type = "number"; qty.min = "1"; qty.value = "1";
  qty.setAttribute("aria-label", "units");
  const join = el("button", "primary gb-join", "Join the group");
  const mine = el("p", "gb-mine muted");
  const news = el("p", "gb-news");
  const error = el("p", "gb-error notice hidden");
  root.replaceChildren(title, name, price, tiers, bar, progress, time, qty, join, mine, news, error);
  root.classList.add("hidden");

  function say(message) {
    error.textContent = message || "";
    error.classList.toggle("hidden", !message);
  }

  function render() {
    const o = state.offer;
    if (!o) { root.classList.add("hidden"); return; }
    root.classList.remove("hidden");
    root.dataset.offer = o.offer_id;
    root.dataset.tier = String(o.tier);
    root.dataset.buyers = String(o.buyers);
    if (o.card) name.textContent = o.card.name;
    else if (!name.textContent) name.textContent = o.sku;
    price.textContent = `${o.currency} ${o.price} each`;
    tiers.replaceChildren(...o.tiers.map((t, i) => {
      const li = el("li", i < o.tier ? "unlocked" : i === o.tier ? "unlocked current" : "locked",
        `${t.min_buyers}+ ${t.min_buyers === 1 ? "buyer" : "buyers"}: ${o.currency} ${t.price}`);
      li.dataset.minBuyers = String(t.min_buyers);
      return li;
    }));
    const goal = o.next ? o.next.min_buyers : Math.max(o.buyers, 1);
    fill.style.width = `${Math.min(100, Math.round((100 * o.buyers) / goal))}%`;
    progress.textContent = progressText(o);
    const over = o.ended || !o.active;
    join.disabled = over || Boolean(state.mine);
    qty.max = String(o.max_qty || 1);
    qty.classList.toggle("hidden", join.disabled || !(o.max_qty > 1));  // a choice only when there is one
    join.textContent = state.mine ? "Joined" : over ? (o.remaining <= 0 ? "Full" : "Ended") : "Join the group";
    if (state.mine) {
      // the order placed here: its total at today's price; one placed before a reload: the unit price
      const amount = state.order ? (Number(o.price) * state.order.lines[0].qty).toFixed(2) : `${o.price} each`;
      mine.textContent = `Your order ${state.mine}: ${o.currency} ${amount}${over ? "" : " (drops if more join)"}`;
    } else mine.textContent = "";
    clearInterval(state.timer);
    if (over) { time.textContent = "Ended"; return; }
    const tick = () => {
      const left = o.ends_at - Date.now() / 1000;
      time.textContent = left > 0 ? `Ends in ${clock(left)}` : "Ended";
      if (left <= 0) { clearInterval(state.timer); join.disabled = true; }
    };
    tick();
    state.timer = setInterval(tick, 500);
  }

  function show(view) {
    const same = state.offer && state.offer.offer_id === view.offer_id;
    state.offer = { ...(same ? state.offer : {}), ...view };
    if (!same) { state.mine = view.mine || null; state.order = null; }
    else if (view.mine) state.mine = view.mine;
    render();
  }

  async function refresh() {
    const { offers } = await rest("GET", base, token);
    const open = offers.filter((o) => o.active);
    const pick = open[open.length - 1] || offers[offers.length - 1];
    if (pick) show(pick);
    return pick || null;
  }

  join.addEventListener("click", async () => {
    const o = state.offer;
    if (!o) return;
    join.disabled = true;
    try {
      const order = await rest("POST", `${base}/${encodeURIComponent(o.offer_id)}/join`, token,
        { country: countryOf(), qty: Math.max(1, Math.min(Number(qty.value) || 1, o.max_qty || 1)) });
      state.mine = order.order_id;
      state.order = order;
      say("");
      show(order.offer);
      if (onOrder) onOrder(order);
    } catch (e) {
      say(explain(e));
      render();
    }
  });

  function onSystem(b) {
    if (!b || !TYPES.has(b.type) || state.closed) return;
    if (!takes(state.offer, b)) return;
    if (b.type === "group_buy_start") news.textContent = "";
    const { type, ...view } = b;
    show(view);
    if (type === "group_buy_tier") news.textContent = `Tier unlocked: everyone pays ${b.currency} ${b.price}`;
    if (type === "group_buy_end") news.textContent = `Closed at ${b.buyers} buyers: ${b.currency} ${b.price} each`;
  }

  function close() {
    state.closed = true;
    clearInterval(state.timer);
  }

  refresh().catch((e) => say(explain(e)));
  return { onSystem, refresh, close, state };
}

// The seller's side: open a group buy of a pinned product with tiers written "1:30, 3:25, 10:19.90"
// (buyers:price), a cap and a duration; end the one running.
export function parseTiers(textValue) {
  const tiers = [];
  for (const part of String(textValue).split(/[,\n;]+/)) {
    const item = part.trim();
    if (!item) continue;
    const m = /^(\d+)\s*[:=]\s*(\d+(?:\.\d{1,2})?)$/.exec(item);
    if (!m) throw Object.assign(new Error(`"${item}" is not buyers:price`), { code: "bad_tiers" });
    tiers.push({ min_buyers: Number(m[1]), price: m[2] });
  }
  if (!tiers.length) throw Object.assign(new Error("write at least one tier, e.g. 1:30"), { code: "bad_tiers" });
  return tiers;
}

export function mountGroupBuyHost(root, { room, token, skus = () => [] } = {}) {
  styles();
  const base = `/v1/live/${encodeURIComponent(room)}/group-buys`;
  root.classList.add("group-buy-host");
  const sku = el("select", "gb-sku");
  sku.setAttribute("aria-label", "product");
  const tiers = el("input", "gb-tiers-input");
  tiers.value = "1:30, 3:25, 10:19.90";
  tiers.setAttribute("aria-label", "tiers (buyers:price)");
  const cap = el("input", "gb-cap");
  cap.type = "number"; cap.min = "1"; cap.value = "50";
  cap.setAttribute("aria-label", "units");
  const minutes = el("input", "gb-minutes");
  minutes.type = "number"; minutes.min = "1"; minutes.value = "15";
  minutes.setAttribute("aria-label", "minutes");
  const open = el("button", "primary gb-open", "Open group buy");
  const end = el("button", "gb-end", "End group buy");
  end.disabled = true;
  const status = el("p", "gb-status muted");
  const row = el("div", "row");
  row.append(sku, tiers, cap, minutes, open, end);
  root.replaceChildren(el("h2", "", "Group buy"), row, status);
  let running = null;

  function options() {
    const list = typeof skus === "function" ? skus() : skus;
    const keep = sku.value;
    sku.replaceChildren(...list.map((s) => { const o = el("option", "", s); o.value = s; return o; }));
    if (list.includes(keep)) sku.value = keep;
  }

  open.addEventListener("click", async () => {
    try {
      const offer = await rest("POST", base, token, {
        sku: sku.value, tiers: parseTiers(tiers.value), cap: Number(cap.value), duration_s: Number(minutes.value) * 60,
      });
      running = offer.offer_id;
      end.disabled = false;
      status.textContent = `Open: ${offer.sku}, ${offer.tiers.length} tiers`;
    } catch (e) {
      status.textContent = explain(e);
    }
  });
  end.addEventListener("click", async () => {
    if (!running) return;
    try {
      const offer = await rest("POST", `${base}/${encodeURIComponent(running)}/end`, token, {});
      status.textContent = `Ended at ${offer.buyers} buyers, ${offer.currency} ${offer.price} each`;
      running = null;
      end.disabled = true;
    } catch (e) {
      status.textContent = explain(e);
    }
  });

  function onSystem(b) {
    if (b && b.offer_id === running && (b.type === "group_buy_progress" || b.type === "group_buy_tier")) {
      status.textContent = progressText(b);
    }
  }

  options();
  return { onSystem, refreshSkus: options };
}
