// Hands-free voice for the shopping assistant: microphone -> /v1/voice -> the agent's voice, with barge-in.
// Plain ES module, no bundler.   import { startVoice } from "/static/assistant/voice.js";
//
//   const voice = await startVoice({ token, language: "es" });   // asks for the microphone, connects
//   voice.on("transcript", ({ text, language }) => ...);          // what the shopper said (final)
//   voice.on("agent_text", ({ text, cards, tool_calls, handoff }) => ...);
//   voice.on("state", (s) => ...);        // "listening" | "user_speaking" | "agent_speaking" | "closed"
//   voice.on("interrupted", (e) => ...);  // the shopper talked over the agent; playback was flushed
//   voice.on("metrics", (m) => ...);      // per-turn stage timings from the server
//   voice.on("error", (e) => ...);        // { code, message }
//   voice.say("where is my order?");      // a typed turn in the same conversation
//   voice.human();                        // talk to a person (a server with the desk)
//
// With the customer-service desk the voice conversation is a desk conversation: pass `session` (the text
// assistant's session id, AssistantClient.sessionId) to keep text and voice one conversation. The desk's frames
// come as events in the agent socket's shapes: "desk", "desk_status", "csat_request", "call_offer", "call",
// "sent"; a person's message is spoken by the server (its agent_text has desk: "agent_message").
//   voice.interrupt();  voice.mute(true);  await voice.stop();
//
// Wire format (see souk/api/routes/voice.py): 16 kHz mono s16le PCM, 20 ms (640-byte) binary messages both
// ways; JSON events as text. The browser's own echo cancellation is on (getUserMedia echoCancellation) and
// the server also cancels and gates the agent's voice leaking back, so the agent does not interrupt itself.

import { Emitter } from "../sdk/emitter.js";

const RATE = 16000;
const FRAME = 320; // samples in 20 ms at 16 kHz

// The AudioWorklet: low-pass + decimate the context rate (44.1/48 kHz) to 16 kHz, post 20 ms Int16 frames.
const WORKLET = `
class SoukMic extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / ${RATE};
    this.pos = 0;           // fractional read position in the input stream
    this.acc = 0; this.n = 0;
    this.out = new Int16Array(${FRAME}); this.k = 0;
    this.muted = false;
    this.port.onmessage = (e) => { if (e.data && "muted" in e.data) this.muted = !!e.data.muted; };
  }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch) return true;
    for (let i = 0; i < ch.length; i++) {
      // box-filter every input sample that falls into the current output sample (anti-aliasing)
      this.acc += ch[i]; this.n++;
      this.pos += 1;
      if (this.pos >= this.ratio) {
        this.pos -= this.ratio;
        let v = this.muted ? 0 : this.acc / this.n;
        this.acc = 0; this.n = 0;
        v = Math.max(-1, Math.min(1, v));
        this.out[this.k++] = v < 0 ? v * 0x8000 : v * 0x7fff;
        if (this.k === ${FRAME}) {
          this.port.postMessage(this.out.buffer, [this.out.buffer]);
          this.out = new Int16Array(${FRAME}); this.k = 0;
        }
      }
    }
    return true;
  }
}
registerProcessor("souk-mic", SoukMic);
`;

const DESK_FRAMES = new Set(["desk", "desk_status", "csat_request", "call_offer", "call", "sent"]);

function voiceUrl(base, language, session) {
  const u = new URL("/v1/voice", base || window.location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  if (language) u.searchParams.set("language", language);
  if (session) u.searchParams.set("session", session);
  return u.toString();
}

export class VoiceSession extends Emitter {
  constructor({ token, language = null, baseUrl = null, leadS = 0.05, session = null } = {}) {
    super();
    this.token = token;
    this.language = language;
    this.session = session;
    this.conversationId = null; // the desk conversation (from "ready"; null: a server without the desk)
    this.speaksDesk = false; // the server speaks the people's messages in this session
    this.baseUrl = baseUrl;
    this.leadS = leadS;
    this.state = "idle";
    this._ws = null;
    this._ctx = null;
    this._stream = null;
    this._node = null;
    this._sources = new Set();
    this._playAt = 0;
  }

  async start() {
    this._stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    }).catch((e) => { throw Object.assign(new Error(`microphone unavailable: ${e.message}`), { code: "mic_denied" }); });
    this._ctx = new AudioContext({ latencyHint: "interactive" });
    const blob = new Blob([WORKLET], { type: "application/javascript" });
    const url = URL.createObjectURL(blob);
    try { await this._ctx.audioWorklet.addModule(url); } finally { URL.revokeObjectURL(url); }
    const src = this._ctx.createMediaStreamSource(this._stream);
    this._node = new AudioWorkletNode(this._ctx, "souk-mic", { numberOfInputs: 1, numberOfOutputs: 0 });
    src.connect(this._node);
    await this._connect();
    this._node.port.onmessage = (e) => {
      if (this._ws && this._ws.readyState === WebSocket.OPEN && this._ws.bufferedAmount < 64000) this._ws.send(e.data);
    };
    return this;
  }

  _connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(voiceUrl(this.baseUrl, this.language, this.session));
      ws.binaryType = "arraybuffer";
      this._ws = ws;
      let ready = false;
      ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: this.token })); // token kept out of URLs
      ws.onmessage = (m) => {
        if (typeof m.data !== "string") { this._play(m.data); return; }
        const ev = JSON.parse(m.data);
        if (ev.type === "ready") {
          ready = true; this.conversationId = ev.conversation_id || null; this.speaksDesk = !!ev.desk;
          this._setState("listening"); resolve(this);
        }
        this._event(ev);
      };
      ws.onerror = () => { if (!ready) reject(Object.assign(new Error("voice connection failed"), { code: "network" })); };
      ws.onclose = (e) => {
        this._flush();
        this._setState("closed");
        if (!ready) reject(Object.assign(new Error(e.reason || "voice connection closed"), { code: e.reason || "connection_closed" }));
      };
    });
  }

  _event(ev) {
    switch (ev.type) {
      case "vad": if (ev.state === "speech_start") this._setState("user_speaking"); break;
      case "audio_start": this._setState("agent_speaking"); break;
      case "interrupted": this._flush(); this._setState("user_speaking"); this.emit("interrupted", ev); break;
      case "audio_end": if (ev.interrupted) this._flush(); if (!ev.interrupted) this._whenPlayed(() => this._setState("listening")); break;
      case "transcript": this._setState("listening"); this.emit("transcript", ev); break;
      case "agent_text": this.emit("agent_text", ev); break;
      case "metrics": this.emit("metrics", ev); break;
      case "error": this.emit("error", ev); break;
      default: if (DESK_FRAMES.has(ev.type)) this.emit(ev.type, ev); break;
    }
  }

  _play(buf) {
    const ctx = this._ctx;
    if (!ctx) return;
    const pcm = new Int16Array(buf);
    const audio = ctx.createBuffer(1, pcm.length, RATE); // resampled to the context rate by Web Audio
    const ch = audio.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) ch[i] = pcm[i] / 32768;
    const node = ctx.createBufferSource();
    node.buffer = audio;
    node.connect(ctx.destination);
    const now = ctx.currentTime;
    if (this._playAt < now + 0.01) this._playAt = now + this.leadS; // (re)start with a small jitter buffer
    node.start(this._playAt);
    this._playAt += audio.duration;
    this._sources.add(node);
    node.onended = () => this._sources.delete(node);
  }

  _flush() {
    for (const node of this._sources) { try { node.stop(); } catch (_) { /* already stopped */ } }
    this._sources.clear();
    this._playAt = 0;
  }

  _whenPlayed(fn) {
    const left = this._ctx ? Math.max(0, this._playAt - this._ctx.currentTime) : 0;
    setTimeout(fn, left * 1000);
  }

  _setState(s) {
    if (s !== this.state) { this.state = s; this.emit("state", s); }
  }

  say(text) { this._send({ type: "text", text }); }
  interrupt() { this._flush(); this._send({ type: "interrupt" }); }
  human() { this._send({ type: "human" }); }
  mute(on) { this._node?.port.postMessage({ muted: !!on }); }

  _send(obj) {
    if (this._ws && this._ws.readyState === WebSocket.OPEN) this._ws.send(JSON.stringify(obj));
  }

  async stop() {
    this._send({ type: "bye" });
    try { this._ws?.close(1000, "bye"); } catch (_) { /* closing */ }
    this._flush();
    this._stream?.getTracks().forEach((t) => t.stop());
    this._node?.disconnect();
    if (this._ctx && this._ctx.state !== "closed") await this._ctx.close();
    this._setState("closed");
  }
}

export async function startVoice(options) {
  return new VoiceSession(options).start();
}
