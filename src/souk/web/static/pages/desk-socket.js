// The staff socket of the desk (/v1/desk/ws): frames in as "frame" events, reconnects with backoff, pings.
//   const sock = new DeskSocket(token);  sock.on("frame", f => ...);  sock.on("down", {final, reason, failed});
//   sock.on("up", ...);  sock.open();  sock.send({type: "presence", presence: "online"}) -> false when down
// Several nodes (docs/desk.md): a node that does not serve the merchant's desk refuses the socket with
// room_elsewhere; the socket then emits "moved" ({url}: that node) and connects there (sock.base), and back to
// the page's own node when that one does not answer. The desk page follows with the whole page (movedPage), and
// goes back home (homePage) when the node it moved to stops answering.
import { Emitter } from "../sdk/emitter.js";

const PING_MS = 20000;
const MAX_MOVES = 3; // room_elsewhere refusals followed in a row (nodes that disagree: back to backoff)

export class DeskSocket extends Emitter {
  constructor(token, base = null) {
    super();
    this.token = token;
    this.base = base; // null: the page's own node
    this.ws = null;
    this.retries = 0;
    this.moves = 0;
    this.pinger = setInterval(() => this.send({ type: "ping" }), PING_MS);
  }

  open() {
    if (this.closed) return;
    const u = new URL("/v1/desk/ws", this.base || globalThis.location.href);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.searchParams.set("token", this.token);
    const ws = new WebSocket(u);
    this.ws = ws;
    let opened = false;
    let moveTo = null;
    ws.onopen = () => { opened = true; };
    ws.onmessage = (m) => {
      let frame;
      try { frame = JSON.parse(m.data); } catch { return; }
      if (frame.type === "error" && frame.code === "room_elsewhere" && frame.details && frame.details.url) {
        moveTo = frame.details.url;
        return;
      }
      if (frame.type === "hello") { this.retries = 0; this.moves = 0; this.emit("up", {}); }
      this.emit("frame", frame);
    };
    ws.onclose = (ev) => {
      if (this.closed) return;
      if (moveTo && this.moves < MAX_MOVES) {
        this.moves++;
        this.base = moveTo;
        this.emit("moved", { url: moveTo });
        this.open();
        return;
      }
      if (!opened) { this.base = null; this.moves = 0; } // the node it moved to does not answer: back home
      // 44xx but 4429 (cut off for not reading): the token is expired, revoked or not staff; reconnecting won't help
      const final = ev.code >= 4400 && ev.code < 4500 && ev.code !== 4429 && !moveTo;
      // failed: the node never answered (down, or gone: another node takes the desk over)
      this.emit("down", { final, reason: ev.reason || String(ev.code), failed: !opened });
      if (final) { clearInterval(this.pinger); return; }
      setTimeout(() => this.open(), Math.min(8000, 500 * 2 ** this.retries++));
    };
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  close() {
    this.closed = true;
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000);
  }
}

// The desk page on the node that serves the desk (``url``), keeping its query and hash (the token), with the
// page's first origin as home= in the hash.
export function movedPage(href, url) {
  const page = new URL(href);
  const to = new URL(page.pathname + page.search, url);
  const hash = new URLSearchParams(page.hash.slice(1));
  if (!hash.get("home")) hash.set("home", page.origin);
  to.hash = hash.toString();
  return to.toString();
}

// The desk page back at its home origin (null: it is home, or home is not an http(s) origin).
export function homePage(href) {
  const page = new URL(href);
  const hash = new URLSearchParams(page.hash.slice(1));
  const home = hash.get("home");
  if (!home) return null;
  let origin;
  try { origin = new URL(home); } catch { return null; }
  if (!["http:", "https:"].includes(origin.protocol) || origin.origin === page.origin) return null;
  hash.delete("home");
  const to = new URL(page.pathname + page.search, origin.origin);
  to.hash = hash.toString();
  return to.toString();
}
