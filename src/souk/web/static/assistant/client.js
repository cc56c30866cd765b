// Text transport of the shopping assistant: one WebSocket conversation (/v1/agent/ws) with reconnect.
//   const chat = new AssistantClient({ token });  chat.on("reply", r => ...);  await chat.open();
//   chat.send("where is my order 1036?");  chat.close();
// Replies carry { text, language, handoff, handoff_reason, tool_calls, cards, metadata }.
// The customer-service desk speaks on the same socket (docs/desk.md):
//   chat.human()  ask for a person;  chat.email(addr);  chat.csat(score, comment)
//   events "desk" ({event, seq}: agent_message, assigned, closed, call_started/ended), "desk_status"
//   ({status, notice}), "csat_request", "call_offer" ({conversation_id, agent_name}: the desk offers video).
// Several nodes (docs/desk.md): a node that does not serve the merchant's desk refuses the socket with
// room_elsewhere; the client moves to details.url (event "moved", {url}; chat.baseUrl is then that node) and
// goes back to its first baseUrl when the node it moved to stops answering (it died: another takes over).

import { Emitter } from "../sdk/emitter.js";

const DESK_FRAMES = new Set(["desk", "desk_status", "csat_request", "call_offer", "call"]);

const MAX_MOVES = 3; // room_elsewhere refusals followed in a row before giving up (nodes that disagree)

export function wsUrl(base, token, language, session, after = 0) {
  const u = new URL("/v1/agent/ws", base || globalThis.location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.searchParams.set("token", token);
  if (language) u.searchParams.set("language", language);
  if (session) {
    u.searchParams.set("session", session); // resume the conversation kept after a 4429 cut or a drop
    if (after > 0) u.searchParams.set("after", String(after)); // and get the desk events missed meanwhile
  }
  return u.toString();
}

export class AssistantClient extends Emitter {
  constructor({ token, language = null, baseUrl = null, maxRetries = 5 } = {}) {
    super();
    this.token = token;
    this.language = language;
    this.baseUrl = baseUrl;
    this.home = baseUrl; // where to come back to when a node it moved to is gone
    this._moves = 0;
    this.maxRetries = maxRetries;
    this._ws = null;
    this._queue = [];
    this._retries = 0;
    this._closed = false;
    this.sessionId = null;
    this._resume = null;
    this._ended = false; // a person closed the conversation (see send)
    this.deskSeq = 0; // the last desk event seen, so a reconnect shows none twice
  }

  open() {
    return new Promise((resolve, reject) => {
      const resuming = this._resume;
      const ws = new WebSocket(wsUrl(this.baseUrl, this.token, this.language, resuming, this.deskSeq));
      this._resume = null;
      this._ws = ws;
      let ready = false;
      let moveTo = null;
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (msg.type === "ready") {
          const resumed = this.sessionId !== null && msg.session_id === this.sessionId;
          ready = true; this._retries = 0; this._moves = 0; this.sessionId = msg.session_id;
          if (!resumed) this.deskSeq = 0; // a new conversation (a resumed one sends what was missed itself)
          this.emit("ready", msg); resolve(this);
          for (const q of this._queue.splice(0)) ws.send(q);
        } else if (msg.type === "reply") {
          this.emit("reply", msg);
        } else if (msg.type === "error") {
          if (!ready && msg.code === "room_elsewhere" && msg.details && msg.details.url) moveTo = msg.details.url;
          else this.emit("error", msg);
        } else if (DESK_FRAMES.has(msg.type)) {
          if (msg.type === "desk_status") this._ended = msg.status === "closed";
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
          if (this._closed) { reject(new Error("assistant client closed")); return; }
          // another node serves the merchant's desk: go there at once (same token, same session)
          if (moveTo && this._moves < MAX_MOVES) {
            this._moves++; this.baseUrl = moveTo; this._resume = resuming;
            this.emit("moved", { url: moveTo });
            this.open().then(resolve, reject); return;
          }
          // no answer from a node it moved to, or a reconnect that failed: back home, later, keeping the session
          if (ev.code < 4000 && (resuming || this.baseUrl !== this.home) && this._retries < this.maxRetries) {
            this.baseUrl = this.home; this._resume = resuming; this._moves = 0; // (backoff bounds this loop)
            const delay = Math.min(8000, 500 * 2 ** this._retries++);
            setTimeout(() => this.open().then(resolve, reject), delay); return;
          }
          // the conversation we tried to resume is gone (an AI-only one ends with its socket): start a new one
          if (resuming && ev.code >= 4000) { this.deskSeq = 0; this.open().then(resolve, reject); return; }
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

  // A person closed the conversation: the shopper's next question starts a new one (a new session, so it is
  // recorded and can be handed over again), after the rating if they gave it.
  send(text) {
    const frame = { type: "message", text: String(text).slice(0, 20000) };
    if (this._ended && this._ws && this._ws.readyState === WebSocket.OPEN) {
      this._ended = false;
      const old = this._ws;
      old.onclose = () => {};
      old.send('{"type":"bye"}');
      old.close(1000);
      this.sessionId = null; this._resume = null; this.deskSeq = 0; this._ws = null;
      this._queue.push(JSON.stringify(frame));
      this.emit("new_conversation", {});
      this.open().catch((e) => this.emit("error", { code: "reconnect_failed", message: String(e) }));
      return;
    }
    this._frame(frame);
  }

  human() { this._frame({ type: "human" }); }
  email(address) { this._frame({ type: "email", email: String(address).trim().slice(0, 254) }); }
  csat(score, comment = "") { this._frame({ type: "csat", score: Number(score), comment: String(comment).slice(0, 1000) }); }

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
