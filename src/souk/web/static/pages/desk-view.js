// DOM of the desk page: inbox rows, the timeline, the hand-off packet. Text through textContent only.
import { describeEvent, duration, queueLabel, reasonLabel, warningText } from "./desk-format.js";

export function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined && text !== null) n.textContent = String(text);
  return n;
}

function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// One inbox row: shopper, language, queue, status, live wait, SLA badge, a Claim button while waiting.
export function inboxRow(row, { me, names, waited, warnings, selected, onOpen, onClaim }) {
  const s = row.summary;
  const li = el("li", `conv ${s.status}${selected ? " selected" : ""}`);
  li.dataset.id = s.id;
  li.dataset.status = s.status;
  const head = el("div", "conv-head");
  head.append(el("strong", null, s.customer_id || s.shopper), el("span", "lang", s.language));
  if (s.active_call) head.append(el("span", "badge call", "video"));
  const worst = warnings[0];
  if (worst) {
    const b = el("span", `badge sla ${worst.level}`, worst.level === "breached" ? "SLA breached" : "SLA soon");
    b.title = warningText(worst);
    head.append(b);
    li.classList.add(`sla-${worst.level}`);
  }
  const sub = el("div", "conv-sub");
  const who = s.status === "assigned" ? (s.agent_id === me ? "you" : names[s.agent_id] || s.agent_id) : "";
  sub.append(el("span", null, queueLabel(s.queue)));
  if (who) sub.append(el("span", null, `· ${who}`));
  if (waited !== null) sub.append(el("span", "wait", `· waiting ${duration(waited)}`));
  if (s.status === "closed") sub.append(el("span", null, `· ${s.resolution || "closed"}${s.csat ? ` · CSAT ${s.csat}` : ""}`));
  li.append(head, sub);
  li.onclick = () => onOpen(s.id);
  if (s.status === "queued") {
    const claim = el("button", "claim primary", "Claim");
    claim.onclick = (ev) => { ev.stopPropagation(); onClaim(s.id); };
    li.append(claim);
  }
  return li;
}

export function timelineItem(e, names) {
  const d = describeEvent(e, names);
  const li = el("li", `ev ${d.cls}`);
  li.dataset.seq = String(e.seq);
  li.dataset.kind = e.kind;
  const meta = el("div", "ev-meta");
  if (d.who) meta.append(el("span", "who", d.who));
  meta.append(el("time", null, time(e.at)));
  if (d.staffOnly) meta.append(el("span", "staff-only", "not shown to the shopper"));
  li.append(meta, el("div", "ev-text", d.text));
  if (d.tools && d.tools.length) {
    const tools = el("ul", "tools");
    for (const t of d.tools) {
      const item = el("li", t.ok ? "tool ok" : "tool failed", t.name);
      if (t.detail) item.title = t.detail;
      tools.append(item);
    }
    li.append(tools);
  }
  if (d.meta) li.append(el("div", "ev-extra", d.meta));
  return li;
}

function section(title, ...children) {
  const s = el("section", "packet-section");
  s.append(el("h4", null, title), ...children);
  return s;
}

function dl(pairs) {
  const list = el("dl");
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    list.append(el("dt", null, k), el("dd", null, v));
  }
  return list;
}

// The hand-off packet beside the conversation: customer, orders, products, language, reason, summary, and what
// the AI already answered (its transcript lines).
export function packetView(packet, summary) {
  const box = el("div", "packet-body");
  if (!packet) {
    box.append(el("p", "muted", summary && summary.status === "ai" ? "Still with the AI: no hand-off yet." : "No hand-off packet."));
    return box;
  }
  box.append(section("Hand-off", dl([
    ["Reason", reasonLabel(packet.reason)], ["Language", packet.language], ["Intent", packet.intent],
  ])));
  if (packet.summary) box.append(section("Summary", el("p", "summary", packet.summary)));
  const c = packet.customer;
  box.append(section("Customer", c ? dl([["Id", c.customer_id], ["Name", c.name], ["E-mail", c.email], ["VIP", c.vip ? "yes" : ""]])
    : el("p", "muted", "Guest (not signed in)")));
  const orders = el("ul", "orders");
  for (const o of packet.orders || []) {
    const mentioned = (packet.orders_mentioned || []).includes(o.order_id);
    const li = el("li", mentioned ? "mentioned" : "", `#${o.order_id} · ${String(o.status).replace(/_/g, " ")} · ${o.total}`);
    if (o.placed_at) li.title = `placed ${o.placed_at}`;
    orders.append(li);
  }
  for (const id of packet.orders_mentioned || []) {
    if (!(packet.orders || []).some((o) => o.order_id === id)) orders.append(el("li", "mentioned", `#${id} (mentioned)`));
  }
  box.append(section("Orders", orders.childElementCount ? orders : el("p", "muted", "None")));
  const products = el("ul", "products");
  for (const sku of packet.products_mentioned || []) products.append(el("li", null, sku));
  box.append(section("Products mentioned", products.childElementCount ? products : el("p", "muted", "None")));
  const answered = el("ol", "answered");
  let question = "";
  for (const line of packet.transcript || []) {
    if (line.speaker === "shopper") question = line.text;
    else if (line.speaker === "ai") {
      const li = el("li");
      if (question) li.append(el("div", "q", question));
      li.append(el("div", "a", line.text));
      answered.append(li);
      question = "";
    }
  }
  box.append(section("What the AI already answered", answered.childElementCount ? answered : el("p", "muted", "Nothing yet")));
  for (const [k, v] of packet.extra || []) box.append(dl([[k, v]]));
  return box;
}
