// Souk real-time messaging client (plain ES module, no dependencies).
//
//   import { chat } from "/static/rtm/chat.js";
//   const c = await chat({ token, baseUrl: "" });       // finds the RTM socket via GET /v1/rtm/info
//   const room = await c.join("live-42");               // history arrives as "message" events
//   room.on("message", (m) => show(m));                 // m = {seq, id, k, b, from, name, role, ts}
//   room.on("aggregate", (a) => bump(a.like, a.online)); // ephemeral counts ("+57 likes", online)
//   await room.send("hello");  room.like(3);  room.gift({ gift: "rose" });
//
// Guarantees: messages come in sequence order, each once (deduped by seq and by sender + client id);
// after a dropped connection the client reconnects with backoff and resumes each channel from its last
// sequence, resending unacknowledged messages with the same id (the server dedupes them).
// Bodies are data: render them with textContent, never innerHTML (see text()).

const INFO_PATH = "/v1/rtm/info";
const NO_RETRY = new Set([4401, 4403, 4400]); // bad token, kicked/banned, protocol abuse

class Emitter {
  constructor() { this._h = new Map(); }
  on(type, fn) {
    if (!this._h.has(type)) this._h.set(type, new Set());
    this._h.get(type).add(fn);
    return () => this._h.get(type)?.delete(fn);
  }
  emit(type, value) {
    for (const fn of this._h.get(type) || []) {
      try { fn(value); } catch (e) { console.error(`souk chat: ${type} handler failed`, e); }
    }
  }
}

export class ChatError extends Error {
  constructor(err) {
    super(err.message || err.code || "chat error");
    this.code = err.code; this.kind = err.kind; this.details = err.details || {};
  }
}

let counter = 0;
const newId = () => `c${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Put untrusted text into an element safely. */
export function text(el, value) {
  el.textContent = typeof value === "string" ? value : (value && typeof value.text === "string" ? value.text : JSON.stringify(value));
  return el;
}

export class Channel extends Emitter {
  constructor(client, name) {
    super();
    this.client = client; this.name = name;
    this.lastSeq = 0; this.messages = []; this.online = 0; this.likes = 0;
    this._seen = new Set();
  }
  send(body, { kind = "chat", id } = {}) { return this.client._publish(this.name, kind, body, id); }
  danmaku(body, opts = {}) { return this.send(body, { ...opts, kind: "danmaku" }); }
  gift(body, opts = {}) { return this.send(body, { ...opts, kind: "gift" }); }
  like(n = 1) { this.client._send({ t: "pub", ch: this.name, k: "like", n }); }
  typing() { this.client._send({ t: "pub", ch: this.name, k: "typing" }); }
  moderate(action, { user = "", seq = 0, durationS = 0, words = [] } = {}) {
    return this.client._request({ t: "mod", ch: this.name, a: action, user, seq, dur: durationS, words });
  }
  who() { return this.client._request({ t: "who", ch: this.name }); }
  leave() { this.client._channels.delete(this.name); this.client._send({ t: "leave", ch: this.name }); }

  _batch(f) {
    for (const m of f.m || []) {
      if (m.seq <= this.lastSeq) continue;
      this.lastSeq = m.seq;
      const key = m.id ? `${m.from}\u0000${m.id}` : null;
      if (key && this._seen.has(key)) continue;
      if (key) { this._seen.add(key); if (this._seen.size > 5000) this._seen = new Set([...this._seen].slice(-2500)); }
      if (m.k === "system" && m.b && m.b.action === "delete") this.messages = this.messages.filter((x) => x.seq !== m.b.seq);
      this.messages.push(m);
      if (this.messages.length > 500) this.messages.shift();
      this.emit("message", m);
    }
    if (f.agg) {
      if (typeof f.agg.online === "number") this.online = f.agg.online;
      if (f.agg.like) this.likes += f.agg.like;
      this.emit("aggregate", f.agg);
    }
  }
}

export class Chat extends Emitter {
  constructor({ url, token, reconnect = true }) {
    super();
    this.url = url; this.token = token; this.reconnect = reconnect;
    this.state = "idle"; this.identity = null;
    this._channels = new Map(); this._pending = new Map(); this._ws = null; this._backoff = 250; this._closed = false;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const sep = this.url.includes("?") ? "&" : "?";
      const ws = new WebSocket(`${this.url}${sep}token=${encodeURIComponent(this.token)}`);
      this._ws = ws; this._setState("connecting");
      let hello = false;
      ws.onmessage = (ev) => {
        let f; try { f = JSON.parse(ev.data); } catch { return; }
        if (f.t === "hello") { hello = true; this.identity = f.identity; this._backoff = 250; this._setState("open"); this._resume(); resolve(this); return; }
        this._frame(f);
      };
      ws.onclose = (ev) => {
        this._setState("closed");
        for (const [id, p] of this._pending) {
          if (!p.resend) { this._pending.delete(id); p.reject(new ChatError({ code: "disconnected" })); }
        }
        if (!hello) { reject(new ChatError({ code: "connect_failed", message: ev.reason || `closed ${ev.code}` })); }
        let reason = {}; try { reason = JSON.parse(ev.reason || "{}"); } catch { /* plain text */ }
        this.emit("close", { code: ev.code, reason });
        if (!this._closed && this.reconnect && hello && !NO_RETRY.has(ev.code)) {
          const wait = this._backoff; this._backoff = Math.min(this._backoff * 2, 5000);
          setTimeout(() => this.connect().catch(() => {}), wait);
        }
      };
    });
  }

  async join(name, { history } = {}) {
    let ch = this._channels.get(name);
    if (!ch) { ch = new Channel(this, name); this._channels.set(name, ch); }
    await this._request({ t: "join", ch: name, ...(history !== undefined ? { history } : {}) });
    return ch;
  }

  close() { this._closed = true; this._ws?.close(1000); }

  _setState(s) { this.state = s; this.emit("state", s); }

  _resume() {
    for (const ch of this._channels.values()) {
      this._request({ t: "join", ch: ch.name, since: ch.lastSeq }).catch((e) => this.emit("error", e));
    }
    for (const [, p] of this._pending) if (p.resend) this._send(p.frame);
  }

  _send(frame) { if (this._ws && this._ws.readyState === 1) this._ws.send(JSON.stringify(frame)); }

  _request(frame, resend = false) {
    frame.id = frame.id || newId();
    return new Promise((resolve, reject) => {
      this._pending.set(frame.id, { frame, resolve, reject, resend });
      this._send(frame);
    });
  }

  _publish(ch, kind, body, id) { return this._request({ t: "pub", ch, k: kind, b: body, id: id || newId() }, true); }

  _frame(f) {
    if (f.t === "b") { this._channels.get(f.ch)?._batch(f); return; }
    const p = f.id ? this._pending.get(f.id) : null;
    if (f.t === "err") {
      const e = new ChatError(f);
      if (p) { this._pending.delete(f.id); p.reject(e); } else this.emit("error", e);
      return;
    }
    if (p) { this._pending.delete(f.id); p.resolve(f); }
  }
}

/** Connect a chat client; ``url`` wins, else the RTM socket is discovered from ``baseUrl``. */
export async function chat({ token, baseUrl = "", url, reconnect = true } = {}) {
  if (!url) {
    const base = baseUrl || window.location.origin;
    const info = await (await fetch(`${base}${INFO_PATH}`)).json();
    const u = new URL(base);
    const proto = u.protocol === "https:" ? "wss:" : "ws:";
    url = info.ws_port ? `${proto}//${u.hostname}:${info.ws_port}${info.ws_path}` : `${proto}//${u.host}${info.ws_path}`;
  }
  return new Chat({ url, token, reconnect }).connect();
}
