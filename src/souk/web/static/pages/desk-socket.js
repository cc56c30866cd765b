// The staff socket of the desk (/v1/desk/ws): frames in as "frame" events, reconnects with backoff, pings.
//   const sock = new DeskSocket(token);  sock.on("frame", f => ...);  sock.on("down", {final, reason});
//   sock.on("up", ...);  sock.open();  sock.send({type: "presence", presence: "online"}) -> false when down
import { Emitter } from "/static/sdk/emitter.js";

const PING_MS = 20000;

export class DeskSocket extends Emitter {
  constructor(token) {
    super();
    this.token = token;
    this.ws = null;
    this.retries = 0;
    this.pinger = setInterval(() => this.send({ type: "ping" }), PING_MS);
  }

  open() {
    const u = new URL("/v1/desk/ws", window.location.href);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.searchParams.set("token", this.token);
    const ws = new WebSocket(u);
    this.ws = ws;
    ws.onopen = () => { this.retries = 0; this.emit("up", {}); };
    ws.onmessage = (m) => {
      let frame;
      try { frame = JSON.parse(m.data); } catch { return; }
      this.emit("frame", frame);
    };
    ws.onclose = (ev) => {
      // 44xx but 4429 (cut off for not reading): the token is expired, revoked or not staff; reconnecting won't help
      const final = ev.code >= 4400 && ev.code < 4500 && ev.code !== 4429;
      this.emit("down", { final, reason: ev.reason || String(ev.code) });
      if (final) { clearInterval(this.pinger); return; }
      setTimeout(() => this.open(), Math.min(8000, 500 * 2 ** this.retries++));
    };
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }
}
