// Calls that survive weak links (docs/resilience.md): what the SDK puts in its SDP, and ICE restart.
//
// SDP: every Opus payload we describe asks for in-band FEC and DTX (useinbandfec=1;usedtx=1): in a publisher's
// offer and in a subscriber's answer. Janus's rooms negotiate both too (opus_fec, opus_dtx in
// souk.media.videoroom), so the browser's Opus encoder sends FEC (a lost 20 ms frame is rebuilt from the next
// packet) and stops sending during silence. Video keeps what Chromium and Janus negotiate by default: NACK
// (Janus resends from its min_nack_queue), RTX, PLI/FIR, transport-wide CC. sdpFeatures() reads them back.
// temporalLayers() gives a publisher's video (without simulcast) three VP8 temporal layers; sdk/playout.js
// makes a subscription's video wait for its repairs and asks for a keyframe when its picture is stuck.
//
// ICE restart: when a PeerConnection's ICE goes "disconnected" for `graceMs` (or "failed" at once), the
// IceRestarter restarts ICE on the same PeerConnection, through Souk's `restart` message: the publisher sends
// a new offer (pc.restartIce()); a subscription asks Janus for a new offer (`restart: true`) and answers it.
// Same Janus handles, same subscription ids, same call: nothing is re-dialled. Retried with backoff while the
// connection stays down (the signaling socket may itself be waiting for the link to come back).

import { SoukError } from "./errors.js";
import { unsyncVideo } from "./playout.js";
import { redForJanus, redPublishAnswer, redPublishOffer, redSubscribeOffer } from "./red.js";

const OPUS_WANTS = { useinbandfec: "1", usedtx: "1" };

// The SDP with useinbandfec=1;usedtx=1 on every Opus payload type (an fmtp line added where there is none).
export function opusResilient(sdp) {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const lines = sdp.split(eol);
  const opus = new Set();
  for (const l of lines) {
    const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(l);
    if (m) opus.add(m[1]);
  }
  if (!opus.size) return sdp;
  const out = [];
  const seen = new Set();
  for (const l of lines) {
    const f = /^a=fmtp:(\d+) (.*)$/.exec(l);
    if (f && opus.has(f[1])) {
      seen.add(f[1]);
      const params = new Map(f[2].split(";").filter(Boolean).map((kv) => { const [k, ...v] = kv.split("="); return [k.trim(), v.join("=")]; }));
      for (const [k, v] of Object.entries(OPUS_WANTS)) params.set(k, v);
      out.push(`a=fmtp:${f[1]} ${[...params].map(([k, v]) => `${k}=${v}`).join(";")}`);
      continue;
    }
    out.push(l);
    const r = /^a=rtpmap:(\d+) opus\/48000/i.exec(l);
    if (r && !lines.some((x) => x.startsWith(`a=fmtp:${r[1]} `))) {
      out.push(`a=fmtp:${r[1]} ${Object.entries(OPUS_WANTS).map(([k, v]) => `${k}=${v}`).join(";")}`);
      seen.add(r[1]);
    }
  }
  return out.join(eol);
}

// What an SDP negotiates for resilience, per media section: {audio: {fec, dtx}, video: {nack, pli, rtx, twcc}}
// (true when every payload of that codec kind has it), and the ICE ufrag (it changes on an ICE restart).
export function sdpFeatures(sdp) {
  const out = { audio: { fec: false, dtx: false }, video: { nack: false, pli: false, rtx: false, twcc: false }, ufrag: null };
  const sections = sdp.split(/\r?\nm=/).slice(1).map((s) => "m=" + s);
  const ufrag = /a=ice-ufrag:(\S+)/.exec(sdp);
  out.ufrag = ufrag ? ufrag[1] : null;
  for (const sec of sections) {
    const kind = sec.slice(2, 7);
    if (kind === "audio") {
      const pts = [...sec.matchAll(/a=rtpmap:(\d+) opus\/48000/gi)].map((m) => m[1]);
      const fmtp = (pt) => (new RegExp(`a=fmtp:${pt} (.*)`).exec(sec) || [null, ""])[1];
      if (pts.length) {
        out.audio.fec = pts.every((pt) => /(^|;)\s*useinbandfec=1/.test(fmtp(pt)));
        out.audio.dtx = pts.every((pt) => /(^|;)\s*usedtx=1/.test(fmtp(pt)));
      }
    } else if (kind === "video") {
      const pts = [...sec.matchAll(/a=rtpmap:(\d+) (VP8|VP9|H264|AV1)\/90000/gi)].map((m) => m[1]);
      const fb = (pt, what) => new RegExp(`a=rtcp-fb:(${pt}|\\*) ${what}(\\r?$|\\r?\\n)`, "m").test(sec);
      if (pts.length) {
        out.video.nack = pts.every((pt) => fb(pt, "nack"));
        out.video.pli = pts.every((pt) => fb(pt, "nack pli"));
        out.video.twcc = pts.every((pt) => fb(pt, "transport-cc"));
        out.video.rtx = pts.every((pt) => new RegExp(`a=fmtp:\\d+ apt=${pt}(\\r?$|\\r?\\n|;)`, "m").test(sec));
      }
    }
  }
  return out;
}

// A publisher's video encodings without simulcast: VP8 in `n` temporal layers (L1T3 by default; 1: none).
// With layers, half the frames (T2) are referred to by no other frame and a quarter (T1) only until the next
// T0 frame, so a packet that no repair brings back (Janus NACKs a publisher twice, 12 and 155 ms after a
// gap; on a round trip over ~150 ms Chromium ignores the second as too early) costs one or a few frames
// instead of freezing the picture until the next keyframe.
export function temporalLayers(n = 3) {
  const layers = Math.max(1, Math.min(3, Math.round(Number(n) || 1)));
  return layers > 1 ? [{ scalabilityMode: `L1T${layers}` }] : undefined;
}

const RESTART_BACKOFF_MS = [0, 1000, 2000, 4000, 8000, 8000];

// A Janus subscriber offer as a subscription takes it, when it is made and at each restart: its video out of
// lip sync unless the subscription keeps it (`lipSync` false: sdk/playout.js unsyncVideo), and 111 declared RED
// for a RED feed (`red`: sdk/red.js redSubscribeOffer). Returns { sdp, red } (red null: plain Opus).
export function subscriberOffer(sdp, { lipSync, red }) {
  const offered = lipSync === false ? unsyncVideo(sdp) : sdp;
  const r = red ? redSubscribeOffer(offered) : null;
  return { sdp: r ? r.sdp : offered, red: r };
}

// Restart ICE on one of a Room's PeerConnections, in place: the publisher ("pub") offers anew; a subscription
// asks Janus for a new offer and answers it. Same ids, same call. The connection takes the client's current
// ICE servers first (TURN credentials may have been refreshed since it was made: sdk/ice.js).
export async function restartInPlace(room, target, pc) {
  const client = room.client;
  const servers = client.iceServers.length ? client.iceServers : (client.welcome.ice_servers || []);
  try {
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
  } catch (e) {
    console.warn(`souk: keeping the old ICE servers for the restart (${e.message})`);
  }
  if (target === "pub") {
    if (!room.pub || room.pub.pc !== pc) throw new SoukError("not_publishing", "the publisher was replaced");
    pc.restartIce();
    let sdp = opusResilient((await pc.createOffer({ iceRestart: true })).sdp);
    if (room.pub.red) sdp = redPublishOffer(sdp) || sdp; // still RED on 111 over Opus (sdk/red.js)
    await pc.setLocalDescription({ type: "offer", sdp });
    try {
      const reply = await client.request({ type: "restart", target: "pub", sdp });
      const red = room.pub.red ? redPublishAnswer(reply.sdp, sdp) : null;
      await pc.setRemoteDescription({ type: "answer", sdp: red || reply.sdp });
    } catch (e) {
      if (pc.signalingState === "have-local-offer") await pc.setLocalDescription({ type: "rollback" }).catch(() => {});
      throw e;
    }
    return;
  }
  const sub = room.subs.get(target);
  if (!sub || sub.pc !== pc) throw new SoukError("unknown_subscription", "the subscription was closed");
  const reply = await client.request({ type: "restart", target });
  const { sdp: offered, red } = subscriberOffer(reply.sdp, sub); // as when it was made
  await pc.setRemoteDescription({ type: "offer", sdp: offered });
  const sdp = opusResilient((await pc.createAnswer()).sdp);
  await pc.setLocalDescription({ type: "answer", sdp });
  await client.request({ type: "answer", sub: target, sdp: (red && redForJanus(sdp, red)) || sdp });
}

// Watches a Room's PeerConnections and restarts ICE on one that went down (`restart`, restartInPlace by
// default, renegotiates; the room's emit() hears ice.restart, ice.restarted, ice.restart.failed).
export class IceRestarter {
  constructor(room, { graceMs = 2000, restart = restartInPlace } = {}) {
    this.room = room;
    this.graceMs = graceMs;
    this.restart = restart;
    this.watched = new Map(); // pc -> { target, timer, running, off }
    this.stopped = false;
  }

  // Watch `pc` for `target` ("pub" or a subscription id). Idempotent per pc.
  watch(pc, target) {
    if (this.watched.has(pc)) { this.watched.get(pc).target = target; return; }
    const w = { target, timer: null, running: false };
    const check = () => this._check(pc, w);
    pc.addEventListener("iceconnectionstatechange", check);
    w.off = () => pc.removeEventListener("iceconnectionstatechange", check);
    this.watched.set(pc, w);
  }

  forget(pc) {
    const w = this.watched.get(pc);
    if (!w) return;
    clearTimeout(w.timer);
    w.off();
    this.watched.delete(pc);
  }

  _check(pc, w) {
    const state = pc.iceConnectionState;
    if (state === "closed") { this.forget(pc); return; }
    if (state === "connected" || state === "completed") {
      clearTimeout(w.timer);
      w.timer = null;
      return;
    }
    if (w.running || w.timer) return;
    if (state === "failed") this._restart(pc, w);
    else if (state === "disconnected") w.timer = setTimeout(() => { w.timer = null; this._restart(pc, w); }, this.graceMs);
  }

  async _restart(pc, w) {
    if (this.stopped || w.running) return;
    w.running = true;
    const started = performance.now();
    try {
      for (const delay of RESTART_BACKOFF_MS) {
        if (delay) await new Promise((r) => setTimeout(r, delay));
        if (this.stopped || !this.watched.has(pc) || ["connected", "completed", "closed"].includes(pc.iceConnectionState)) return;
        this.room.emit("ice.restart", { target: w.target, state: pc.iceConnectionState });
        try {
          await this.restart(this.room, w.target, pc);
          await this._backUp(pc, 8000);
          this.room.emit("ice.restarted", { target: w.target, ms: Math.round(performance.now() - started) });
          return;
        } catch (e) {
          console.warn(`souk: ICE restart of ${w.target} failed (${e.code || e.message}); trying again`);
          if (e && ["unknown_subscription", "not_publishing", "not_joined", "restart_unsupported", "unknown_type", "bad_sdp"].includes(e.code)) {
            this.room.emit("ice.restart.failed", { target: w.target, code: e.code });
            return;
          }
        }
      }
      this.room.emit("ice.restart.failed", { target: w.target, code: "gave_up" });
    } finally {
      w.running = false;
      if (["failed", "disconnected"].includes(pc.iceConnectionState) && this.watched.has(pc) && !this.stopped) this._check(pc, w);
    }
  }

  _backUp(pc, timeoutMs) {
    return new Promise((resolve, reject) => {
      const done = (err) => { clearTimeout(timer); pc.removeEventListener("iceconnectionstatechange", check); err ? reject(err) : resolve(); };
      const check = () => {
        if (["connected", "completed"].includes(pc.iceConnectionState)) done();
        else if (pc.iceConnectionState === "closed") done(new Error("closed"));
      };
      const timer = setTimeout(() => done(Object.assign(new Error("ICE did not come back"), { code: "timeout" })), timeoutMs);
      pc.addEventListener("iceconnectionstatechange", check);
      check();
    });
  }

  stop() {
    this.stopped = true;
    for (const pc of [...this.watched.keys()]) this.forget(pc);
  }
}
