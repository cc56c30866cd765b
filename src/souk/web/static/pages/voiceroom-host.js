// The host's controls in a voice room (loaded by voiceroom.js on /voice/{room}/host with a host token): the
// raised hands in order with Invite, per seat Lock/Unlock, Mute/Unmute, Remove and Move, the seat count and
// End the room. Each control is one POST /v1/voice-rooms/{room}/actions; the API checks the host privilege.
// Below them the merchant's products with Pin/Unpin (POST/DELETE /v1/live/{room}/pins: pins are keyed by the
// merchant and the room id, whatever the room's kind) and the group-buy form for the pinned products.
import { $, notice, rest, text } from "./live-common.js";
import { mountGroupBuyHost } from "./group-buy.js";

function button(label, onClick, cls = "") {
  const b = document.createElement("button");
  b.type = "button";
  if (cls) b.className = cls;
  text(b, label);
  b.addEventListener("click", onClick);
  return b;
}

// The products panel and the group-buy form. The room's pins are the truth: the list follows every answer of
// the pins API and re-reads it on each pin/unpin message of the room's channel (another host tab, the studio).
export function mountCommerce({ room, token, explain }) {
  const pins = (method, path = "", body) =>
    rest(method, `/v1/live/${encodeURIComponent(room)}/pins${path}`, token, body);
  const shop = { pinned: new Set(), groupBuy: null, ready: false };
  const rows = () => $("products").querySelectorAll("li[data-sku]");

  function markPins(pinned) {
    shop.pinned = new Set(pinned.map((p) => (typeof p === "string" ? p : p.sku)));
    for (const li of rows()) {
      const on = shop.pinned.has(li.dataset.sku);
      li.classList.toggle("pinned", on);
      text(li.querySelector("button.pin"), on ? "Unpin" : "Pin");
    }
    shop.groupBuy.refreshSkus();
  }
  const reload = () => pins("GET").then((r) => markPins(r.pinned || []));

  $("products-panel").classList.remove("hidden");
  $("group-buy-host").classList.remove("hidden");
  if (!rows().length) {
    const li = document.createElement("li");
    li.className = "muted";
    text(li, "This store has no products yet.");
    $("products").append(li);
  }
  shop.groupBuy = mountGroupBuyHost($("group-buy-host"), { room, token, skus: () => [...shop.pinned] });
  $("products").addEventListener("click", async (ev) => {
    const button = ev.target.closest("button.pin");
    const li = button && button.closest("li[data-sku]");
    if (!li) return;
    button.disabled = true;
    try {
      const sku = li.dataset.sku;
      const r = shop.pinned.has(sku) ? await pins("DELETE", `/${encodeURIComponent(sku)}`) : await pins("POST", "", { sku });
      markPins(r.pinned || []);
      notice("");
    } catch (e) {
      notice(explain(e));
      reload().catch(() => {});
    } finally {
      button.disabled = false;
    }
  });
  shop.onSystem = (b) => {
    if (b.type === "pin" || b.type === "unpin") reload().catch(() => {});
    shop.groupBuy.onSystem(b);
  };
  reload().catch((e) => notice(explain(e))).finally(() => { shop.ready = true; });
  return shop;
}

export function mountHost({ state, act, api, explain }) {
  $("host-panel").classList.remove("hidden");
  const run = (body) => act(body).catch(() => {});

  function renderHands(room) {
    const list = $("hands");
    list.replaceChildren(...room.hands.map((h) => {
      const li = document.createElement("li");
      li.dataset.identity = h.identity;
      const who = document.createElement("span");
      text(who, h.name || h.identity);
      const invited = room.invites.some((i) => i.identity === h.identity);
      li.append(who, invited ? document.createTextNode(" (invited)")
        : button("Invite", () => run({ op: "invite", identity: h.identity }), "invite"),
        button("Dismiss", () => run({ op: "lower_hand", identity: h.identity }), "dismiss"));
      return li;
    }));
    if (!room.hands.length) {
      const li = document.createElement("li");
      li.className = "muted";
      text(li, "No hands raised");
      list.append(li);
    }
  }

  function seatControls(room) {
    for (const li of $("seats").children) {
      const seat = room.seats[Number(li.dataset.seat)];
      if (!seat) continue;
      const box = document.createElement("div");
      box.className = "controls";
      box.append(button(seat.locked ? "Unlock" : "Lock", () => run({ op: "lock", seat: seat.index, locked: !seat.locked }), "lock"));
      if (seat.identity) {
        box.append(
          button(seat.host_muted ? "Unmute" : "Mute", () => run({ op: "mute", identity: seat.identity, muted: !seat.host_muted }), "mute"),
          button("Remove", () => run({ op: "kick", identity: seat.identity }), "kick"));
        const free = room.seats.filter((s) => !s.identity && s.index !== seat.index);
        if (free.length) {
          const move = document.createElement("select");
          move.className = "move";
          move.setAttribute("aria-label", `move ${seat.identity}`);
          move.append(new Option("Move to…", ""), ...free.map((s) => new Option(`seat ${s.index + 1}`, String(s.index))));
          move.addEventListener("change", () => { if (move.value !== "") run({ op: "move", identity: seat.identity, to: Number(move.value) }); });
          box.append(move);
        }
      } else if (state.room.live) {
        box.append(button("Sit here", () => run({ op: "take", seat: seat.index }), "sit"));
      }
      li.append(box);
    }
  }

  function render(room) {
    renderHands(room);
    seatControls(room);
    const count = $("seat-count");
    if (document.activeElement !== count) count.value = String(room.seats.length);
    $("end-btn").disabled = !room.live;
  }

  document.addEventListener("voice:room", (ev) => render(ev.detail));
  if (state.room) render(state.room);
  $("resize-btn").addEventListener("click", () => run({ op: "resize", count: Number($("seat-count").value) }));
  $("end-btn").addEventListener("click", async () => {
    try {
      const view = await api("POST", "/end");
      document.dispatchEvent(new CustomEvent("voice:ended", { detail: view }));
      notice("The room has ended.");
    } catch (e) {
      notice(explain(e));
    }
  });
}
