// Order and product cards built from the assistant's tool results (DOM only, never innerHTML).

const STATUS_ICON = {
  processing: "⏳", shipped: "📦", in_transit: "🚚", out_for_delivery: "🛵", delivered: "✅",
  customs_hold: "🛃", returned: "↩️", refunded: "💸", cancelled: "✖️",
};

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined && text !== null) n.textContent = String(text);
  return n;
}

function money(value, currency, lang) {
  if (!currency) return String(value);  // never guess a currency: the store's comes with every amount
  try {
    return new Intl.NumberFormat(lang || undefined, { style: "currency", currency }).format(Number(value));
  } catch { return `${value} ${currency || ""}`.trim(); }
}

function date(iso, lang) {
  if (!iso) return "";
  try { return new Intl.DateTimeFormat(lang || undefined, { dateStyle: "medium" }).format(new Date(`${iso}T12:00:00`)); }
  catch { return iso; }
}

function name(names, lang) {
  return (names && (names[lang] || names.en)) || "";
}

export function orderCard(o, lang) {
  const card = el("div", "souk-card souk-card-order");
  const head = el("div", "souk-card-head", `${STATUS_ICON[o.status] || "•"} #${o.order_id}`);
  card.append(head, el("div", "souk-card-status", o.status.replace(/_/g, " ")));
  if (o.carrier) card.append(el("div", "souk-card-line", `${o.carrier} · ${o.tracking_number || ""}`));
  if (o.estimated_delivery) {
    card.append(el("div", "souk-card-line", `${date(o.estimated_delivery[0], lang)} – ${date(o.estimated_delivery[1], lang)}`));
  } else if (o.delivered_on) {
    card.append(el("div", "souk-card-line", date(o.delivered_on, lang)));
  }
  const items = el("ul", "souk-card-items");
  for (const ln of o.lines || []) items.append(el("li", null, `${ln.qty} × ${name(ln.names, lang)}`));
  card.append(items, el("div", "souk-card-total", money(o.total, o.currency, lang)));
  return card;
}

export function productCard(p, lang) {
  const card = el("div", "souk-card souk-card-product");
  card.append(el("div", "souk-card-head", name(p.names, lang)));
  card.append(el("div", "souk-card-price", money(p.price, p.currency, lang)));
  card.append(el("div", "souk-card-line", p.description));
  const stock = p.in_stock ? "✓" : (p.restock_date ? `⏳ ${date(p.restock_date, lang)}` : "✗");
  card.append(el("div", "souk-card-stock", stock));
  card.dataset.sku = p.sku;
  return card;
}

export function renderCards(cards, lang) {
  const box = el("div", "souk-cards");
  const seen = new Set();
  for (const c of cards || []) {
    const key = c.type === "order" ? `o${c.order_id}` : `p${c.sku}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (c.type === "order") box.append(orderCard(c, lang));
    else if (c.type === "product") box.append(productCard(c, lang));
  }
  return box.childElementCount ? box : null;
}
