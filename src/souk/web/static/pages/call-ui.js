// The in-call UI shared by the shopper page and the seller console: videos, timer, mute, camera toggle,
// device picker, connection quality and clear error messages.
import { listDevices } from "/static/sdk/souk.js";

const $ = (id) => document.getElementById(id);

export const MESSAGES = {
  camera_denied: "Camera or microphone permission was denied. Allow it in your browser's site settings, then call again.",
  camera_missing: "No camera or microphone was found on this device.",
  camera_busy: "Your camera or microphone is being used by another application.",
  network: "The network connection to the call failed. Check your connection and try again.",
  connection_closed: "The connection to the call was lost.",
  timeout: "The call service did not answer in time. Please try again.",
  token_expired: "Your session expired. Reload the page to start again.",
};

export function explain(err) {
  return MESSAGES[err && err.code] || (err && err.message) || String(err);
}

export async function api(path, token, body) {
  const res = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => { throw Object.assign(new Error("network"), { code: "network" }); });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = data.error || {};
    throw Object.assign(new Error(e.message || `HTTP ${res.status}`), { code: e.code || `http_${res.status}` });
  }
  return data;
}

export function tokenFromHash() {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

// The list of calls ringing for staff (seller console, host studio): one row per call with what
// describe(call) returns and Accept / Decline buttons; the `empty` text when nobody is calling.
export function renderRinging(list, calls, { empty, describe, accept, decline }) {
  if (!calls.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = empty;
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(...calls.map((c) => {
    const li = document.createElement("li");
    li.className = "ringing";
    li.dataset.callId = c.call_id;
    const yes = document.createElement("button");
    yes.className = "primary accept";
    yes.textContent = "Accept";
    yes.onclick = () => accept(c);
    const no = document.createElement("button");
    no.className = "decline";
    no.textContent = "Decline";
    no.onclick = () => decline(c);
    li.append(describe(c), yes, no);
    return li;
  }));
}

export class CallUI {
  constructor() {
    this.section = $("call");
    this.statusEl = $("call-status");
    this.timerEl = $("call-timer");
    this.qualityEl = $("quality");
    this.errorEl = $("call-error");
    this.remote = $("remote-video");
    this.local = $("local-video");
    this.room = null;
    this.timer = null;
    this.poller = null;
    this.startedAt = null;
    this.lastQuality = null;
    $("mute-btn").onclick = () => this.toggle("audio", $("mute-btn"), "Mute", "Unmute");
    $("camera-btn").onclick = () => this.toggle("video", $("camera-btn"), "Camera off", "Camera on");
    $("camera-select").onchange = (e) => this.room && this.room.switchDevice("video", e.target.value).catch((err) => this.error(err));
    $("mic-select").onchange = (e) => this.room && this.room.switchDevice("audio", e.target.value).catch((err) => this.error(err));
  }

  show(status) {
    this.section.classList.remove("hidden", "ended");
    this.timerEl.textContent = "00:00";
    this.status(status);
    this.errorEl.classList.add("hidden");
  }

  status(text) { this.statusEl.textContent = text; }

  error(err) {
    this.errorEl.textContent = explain(err);
    this.errorEl.classList.remove("hidden");
  }

  attach(room) {
    clearInterval(this.poller); // attached again (a prepared call that fell back to joining the usual way)
    this.room = room;
    room.on("local", ({ stream }) => { this.local.srcObject = stream; this.fillDevices(); });
    room.on("track", ({ stream }) => { if (this.remote.srcObject !== stream) this.remote.srcObject = stream; });
    room.on("track.ended", () => { this.remote.srcObject = null; });
    room.on("error", (e) => this.error(e));
    room.on("connection", ({ state }) => { if (state === "failed") this.error({ code: "network" }); });
    // media that arrived before the page attached (a prepared call the server switched at the accept)
    const early = [...room.subs.values()].find((s) => !s.warm && s.participant && s.stream && s.stream.getTracks().length);
    if (early && this.remote.srcObject !== early.stream) this.remote.srcObject = early.stream;
    this.poller = setInterval(() => this.pollQuality(), 2000);
  }

  async fillDevices() {
    const devices = await listDevices();
    for (const [id, list] of [["camera-select", devices.video], ["mic-select", devices.audio]]) {
      const sel = $(id);
      sel.replaceChildren(...list.map((d, i) => {
        const o = document.createElement("option");
        o.value = d.deviceId;
        o.textContent = d.label || `${d.kind === "videoinput" ? "Camera" : "Microphone"} ${i + 1}`;
        return o;
      }));
    }
  }

  async toggle(kind, btn, onLabel, offLabel) {
    if (!this.room) return;
    const muted = !this.room.muted[kind];
    try {
      await this.room.mute(kind, muted);
      btn.textContent = muted ? offLabel : onLabel;
      btn.classList.toggle("active", muted);
    } catch (e) { this.error(e); }
  }

  startTimer(fromUnixS) {
    this.startedAt = fromUnixS ? fromUnixS * 1000 : Date.now();
    clearInterval(this.timer);
    const tick = () => {
      const s = Math.max(0, Math.floor((Date.now() - this.startedAt) / 1000));
      this.timerEl.textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
    };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  async pollQuality() {
    if (!this.room) return;
    try {
      const q = await this.room.quality();
      this.lastQuality = q;
      this.qualityEl.className = `quality ${q.level}`;
      this.qualityEl.title = `rtt ${q.rttMs ?? "?"} ms · loss ${q.lossPct}% · in ${q.inKbps} kbit/s · out ${q.outKbps} kbit/s · ${q.framesDecoded} frames`;
    } catch { /* stats are best effort */ }
  }

  end(text) {
    clearInterval(this.timer);
    clearInterval(this.poller);
    this.section.classList.add("ended");
    this.qualityEl.className = "quality unknown";
    this.status(text);
    this.remote.srcObject = null;
    this.local.srcObject = null;
    this.room = null;
  }
}
