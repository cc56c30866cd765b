// Text transport of the shopping assistant: one WebSocket conversation (/v1/agent/ws) with reconnect.
//   const chat = new AssistantClient({ token });  chat.on("reply", r => ...);  await chat.open();
//   chat.send("where is my order 1036?");  chat.close();
// Replies carry { text, language, handoff, handoff_reason, tool_calls, cards, metadata }.
// The customer-service desk speaks on the same socket (docs/desk.md):
//   chat.human()  ask for a person;  chat.email(addr);  chat.csat(score, comment)
//   events "desk" ({event, seq}: agent_message, assigned, closed, call_started/ended), "desk_status"
//   ({status, notice}), "csat_request", "call_offer" ({conversation_id, agent_name}: the desk offers video).

import { Emitter } from "../sdk/emitter.js";

const DESK_FRAMES = new Set(["desk", "desk_status", "csat_request", "call_offer", "call"]);

function wsUrl(base, token, language, session) {
  const u = new URL("/v1/agent/ws", base || window.location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.searchParams.set("token", token);
  if (language) u.searchParams.set("language", language);
  if (session) u.searchParams.set("session", session); // resume the conversation kept after a 4429 cut
  return u.toString();
}

export class AssistantClient extends Emitter {
  constructor({ token, language = null, baseUrl = null, maxRetries = 5 } = {}) {
    super();
    this.token = token;
    this.language = language;
    this.baseUrl = baseUrl;
    this.maxRetries = maxRetries;
    this._ws = null;
    this._queue = [];
    this._retries = 0;
    this._closed = false;
    this.sessionId = null;
    this._resume = null;
    this.deskSeq = 0; // the last desk event seen, so a reconnect shows none twice
  }

  open() {
    return new Promise((resolve, reject) => {
      const resuming = this._resume;
      const ws = new WebSocket(wsUrl(this.baseUrl, this.token, this.language, resuming));
      this._resume = null;
      this._ws = ws;
      let ready = false;
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (msg.type === "ready") {
          const resumed = this.sessionId !== null && msg.session_id === this.sessionId;
          ready = true; this._retries = 0; this.sessionId = msg.session_id;
          if (resumed && this.deskSeq > 0) this._catchUp();
          this.emit("ready", msg); resolve(this);
          for (const q of this._queue.splice(0)) ws.send(q);
        } else if (msg.type === "reply") {
          this.emit("reply", msg);
        } else if (msg.type === "error") {
          this.emit("error", msg);
        } else if (DESK_FRAMES.has(msg.type)) {
          const seq = msg.type === "desk" ? (msg.seq ?? (msg.event && msg.event.seq)) : undefined;
          if (Number.isInteger(seq)) {
            if (seq <= this.deskSeq) return; // already shown (a catch-up after a reconnect overlaps)
            this.deskSeq = seq;
          }
          this.emit(msg.type, msg);
        }
      };
      ws.onclose = (ev) => {
        this.emit("closed", { code: ev.code, reason: ev.reason });
        if (!ready) {
          // the conversation we tried to resume is gone (an AI-only one ends with its socket): start a new one
          if (resuming && !this._closed) { this.deskSeq = 0; this.open().then(resolve, reject); return; }
          reject(new Error(ev.reason || `assistant socket closed (${ev.code})`)); return;
        }
        // 4429: cut off for not reading; the server kept the conversation for us to resume (docs/limits.md).
        // A dropped connection: one waiting for or with a person is kept too (docs/desk.md), so try it.
        // Other 44xx (expired or revoked token, refusals) are final.
        if (ev.code === 4429 || ev.code < 4000) this._resume = this.sessionId;
        if (this._closed || (ev.code >= 4400 && ev.code !== 4429) || this._retries >= this.maxRetries) return;
        const delay = Math.min(8000, 500 * 2 ** this._retries++);
        setTimeout(() => this.open().catch((e) => this.emit("error", { code: "reconnect_failed", message: String(e) })), delay);
      };
    });
  }

  send(text) {
    this._frame({ type: "message", text: String(text).slice(0, 20000) });
  }

  human() { this._frame({ type: "human" }); }
  email(address) { this._frame({ type: "email", email: String(address).trim().slice(0, 254) }); }
  csat(score, comment = "") { this._frame({ type: "csat", score: Number(score), comment: String(comment).slice(0, 1000) }); }

  // Desk events sent while the socket was down (GET /v1/agent/sessions/{id}/events?after=).
  async _catchUp() {
    const u = new URL(`/v1/agent/sessions/${encodeURIComponent(this.sessionId)}/events`, this.baseUrl || window.location.href);
    u.searchParams.set("after", String(this.deskSeq));
    try {
      const res = await fetch(u, { headers: { Authorization: `Bearer ${this.token}` } });
      if (!res.ok) return;
      const data = await res.json();
      for (const item of Array.isArray(data) ? data : data.events || []) {
        const frame = item.type === "desk" ? item : { type: "desk", event: item.event || item };
        const seq = frame.seq ?? (frame.event && frame.event.seq);
        if (Number.isInteger(seq) && seq > this.deskSeq) { this.deskSeq = seq; this.emit("desk", frame); }
      }
    } catch (e) { this.emit("error", { code: "catch_up_failed", message: String(e) }); }
  }

  _frame(obj) {
    const frame = JSON.stringify(obj);
    if (this._ws && this._ws.readyState === WebSocket.OPEN) this._ws.send(frame);
    else this._queue.push(frame);
  }

  close() {
    this._closed = true;
    if (this._ws && this._ws.readyState === WebSocket.OPEN) this._ws.send('{"type":"bye"}');
    if (this._ws) this._ws.close(1000);
  }
}
