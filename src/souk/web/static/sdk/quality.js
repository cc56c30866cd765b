// Connection quality from getStats: round-trip time, loss, bitrates, decoded frames, audio energy.
const last = new WeakMap(); // pc -> { t, bytesIn, bytesOut, lost, received }

async function sample(pc, out) {
  if (!pc || pc.connectionState === "closed") return;
  const stats = await pc.getStats();
  let bytesIn = 0, bytesOut = 0, lost = 0, received = 0;
  stats.forEach((s) => {
    if (s.type === "inbound-rtp") {
      bytesIn += s.bytesReceived || 0;
      lost += Math.max(0, s.packetsLost || 0);
      received += s.packetsReceived || 0;
      if (s.kind === "video") out.framesDecoded += s.framesDecoded || 0;
      if (s.kind === "audio") {
        out.audioPackets += s.packetsReceived || 0;
        out.audioEnergy += s.totalAudioEnergy || 0;
      }
    } else if (s.type === "outbound-rtp") {
      bytesOut += s.bytesSent || 0;
      if (s.kind === "video") out.framesSent += s.framesSent || 0;
    } else if (s.type === "remote-inbound-rtp") {
      if (typeof s.roundTripTime === "number") out._rtts.push(s.roundTripTime * 1000);
      if (typeof s.fractionLost === "number") out._fractions.push(s.fractionLost);
    } else if (s.type === "candidate-pair" && s.nominated && typeof s.currentRoundTripTime === "number") {
      out._rtts.push(s.currentRoundTripTime * 1000);
    }
  });
  const now = performance.now();
  const prev = last.get(pc);
  last.set(pc, { t: now, bytesIn, bytesOut, lost, received });
  if (prev && now > prev.t) {
    const dt = (now - prev.t) / 1000;
    out.inKbps += ((bytesIn - prev.bytesIn) * 8) / 1000 / dt;
    out.outKbps += ((bytesOut - prev.bytesOut) * 8) / 1000 / dt;
    const dLost = lost - prev.lost, dRecv = received - prev.received;
    if (dLost + dRecv > 0) out._fractions.push(dLost / (dLost + dRecv));
  }
}

export async function readQuality(pubPc, subPcs) {
  const out = { rttMs: null, lossPct: 0, inKbps: 0, outKbps: 0, framesDecoded: 0, framesSent: 0,
    audioPackets: 0, audioEnergy: 0, level: "unknown", _rtts: [], _fractions: [] };
  await Promise.all([sample(pubPc, out), ...subPcs.map((pc) => sample(pc, out))]);
  if (out._rtts.length) out.rttMs = Math.round(Math.max(...out._rtts));
  if (out._fractions.length) out.lossPct = Math.round(Math.max(...out._fractions) * 1000) / 10;
  out.inKbps = Math.round(out.inKbps);
  out.outKbps = Math.round(out.outKbps);
  delete out._rtts;
  delete out._fractions;
  if (out.rttMs === null && !out.framesDecoded) out.level = "unknown";
  else if ((out.rttMs ?? 0) > 400 || out.lossPct > 8) out.level = "poor";
  else if ((out.rttMs ?? 0) > 200 || out.lossPct > 3) out.level = "fair";
  else out.level = "good";
  return out;
}

// ---------------------------------------------------------------- call-quality reports (docs/quality.md)
// A Room's reporter: every `intervalMs` it reads getStats of the room's PeerConnections and POSTs one compact
// report to /v1/quality/reports: counters cumulative since the join, summed over the join's connections (a
// connection that closed, e.g. after media.reset, keeps counting with its last values), plus the latest RTT
// and jitter. The server keeps one record per join (session) and computes loss, freezes, MOS from it.
const REPORT_MS = 5000;
const NO_MEDIA_MS = 20000; // subscribed, connected or not, and no frame by then: a failed join ("no_media")
const AUDIO_KEYS = ["packetsReceived", "packetsLost", "fecPacketsReceived", "concealedSamples",
  "totalSamplesReceived", "concealmentEvents"];
const VIDEO_KEYS = ["packetsReceived", "packetsLost", "retransmittedPacketsReceived", "framesDecoded",
  "freezeCount", "totalFreezesDuration"];
const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function sessionId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "j" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function network() {
  const t = globalThis.navigator?.connection?.type;
  if (!t) return "unknown";
  return ["wifi", "cellular", "ethernet"].includes(t) ? t : (t === "unknown" || t === "none" ? "unknown" : "other");
}

// One connection's counters now: { audio: {...}, video: {...}, rttMs, jitterMs, bytesIn, bytesOut, codec,
// heights: Map(ssrc -> frameHeight) }
async function counters(pc) {
  const out = { audio: {}, video: {}, rttMs: null, jitterMs: null, bytesIn: 0, bytesOut: 0, codec: null,
                heights: new Map(), failed: pc.connectionState === "failed" || pc.iceConnectionState === "failed" };
  if (pc.connectionState === "closed") return out;
  const stats = await pc.getStats();
  const codecs = new Map();
  stats.forEach((s) => { if (s.type === "codec") codecs.set(s.id, s.mimeType || ""); });
  stats.forEach((s) => {
    if (s.type === "inbound-rtp" && (s.kind === "audio" || s.kind === "video")) {
      const keys = s.kind === "audio" ? AUDIO_KEYS : VIDEO_KEYS;
      const into = out[s.kind];
      for (const k of keys) into[k] = (into[k] || 0) + Math.max(0, s[k] || 0);
      out.bytesIn += s.bytesReceived || 0;
      if (typeof s.jitter === "number") out.jitterMs = Math.max(out.jitterMs ?? 0, s.jitter * 1000);
      if (s.kind === "video" && s.frameHeight) out.heights.set(s.ssrc, s.frameHeight);
      if (s.kind === "audio" && s.codecId && codecs.get(s.codecId)) out.codec = codecs.get(s.codecId).split("/")[1];
    } else if (s.type === "outbound-rtp") {
      out.bytesOut += s.bytesSent || 0;
    } else if (s.type === "candidate-pair" && s.nominated && typeof s.currentRoundTripTime === "number") {
      out.rttMs = Math.max(out.rttMs ?? 0, s.currentRoundTripTime * 1000);
    } else if (s.type === "remote-inbound-rtp" && typeof s.roundTripTime === "number" && out.rttMs === null) {
      out.rttMs = s.roundTripTime * 1000;
    }
  });
  return out;
}

function add(into, from) {
  for (const kind of ["audio", "video"]) {
    for (const [k, v] of Object.entries(from[kind])) into[kind][k] = (into[kind][k] || 0) + v;
  }
  into.bytesIn += from.bytesIn;
  into.bytesOut += from.bytesOut;
}

export class QualityReporter {
  // pcs(): the join's PeerConnections now; send(report): Promise<Response-like {status, headers}>
  // receiving(): whether the join subscribes to someone (a join that only publishes has no first frame to wait for)
  // done(): the join is over for good (the client closed): one last report, then no more
  constructor({ roomId, pcs, send, receiving = () => true, done = () => false, intervalMs = REPORT_MS,
                now = () => performance.now() }) {
    this.roomId = roomId;
    this.done = done;
    this.pcs = pcs;
    this.receiving = receiving;
    this.send = send;
    this.intervalMs = intervalMs;
    this.now = now;
    this.session = sessionId();
    this.started = now();
    this.seq = 0;
    this.last = new Map(); // pc -> its last counters (kept when it closes)
    this.retired = { audio: {}, video: {}, bytesIn: 0, bytesOut: 0 };
    this.heights = new Map(); // ssrc -> last frameHeight
    this.layerSwitches = 0;
    this.firstFrameMs = null;
    this.firstVideoAt = null;
    this.failure = null;
    this.prev = null; // { t, bytesIn, bytesOut } of the last report
    this.codec = "opus";
    this.timer = null;
    this.stopped = false;
    this.refused = null; // a 4xx other than 429: the server will not take our reports; stop
  }

  start() {
    const tick = async () => {
      if (this.stopped) return;
      if (this.done()) { await this.stop(); return; }
      const wait = await this.flush().catch(() => this.intervalMs);
      if (!this.stopped) this.timer = setTimeout(tick, wait);
    };
    this.timer = setTimeout(tick, Math.min(this.intervalMs, 2000)); // an early first report: join -> first frame
    return this;
  }

  // The report now (also used by tests): counters summed over live and closed connections.
  async read() {
    const now = this.now();
    const live = this.pcs().filter(Boolean);
    for (const [pc, c] of this.last) {
      if (!live.includes(pc)) { add(this.retired, c); this.last.delete(pc); }
    }
    const total = { audio: { ...this.retired.audio }, video: { ...this.retired.video },
                    bytesIn: this.retired.bytesIn, bytesOut: this.retired.bytesOut };
    let rttMs = null, jitterMs = null;
    for (const pc of live) {
      const c = await counters(pc);
      if (c.failed && !this.failure) this.failure = "ice_failed";
      if (pc.connectionState !== "closed") this.last.set(pc, c);
      add(total, c);
      if (c.rttMs !== null) rttMs = Math.max(rttMs ?? 0, c.rttMs);
      if (c.jitterMs !== null) jitterMs = Math.max(jitterMs ?? 0, c.jitterMs);
      if (c.codec) this.codec = c.codec.toLowerCase();
      for (const [ssrc, h] of c.heights) {
        const before = this.heights.get(ssrc);
        if (before !== undefined && before !== h) this.layerSwitches += 1;
        this.heights.set(ssrc, h);
      }
    }
    const elapsed = now - this.started;
    const frames = (total.video.framesDecoded || 0);
    if (frames > 0 && this.firstVideoAt === null) { this.firstVideoAt = now; }
    if (this.firstFrameMs === null && (frames > 0 || (total.audio.totalSamplesReceived || 0) > 0)) {
      this.firstFrameMs = Math.round(elapsed);
    }
    const receiving = this.receiving();
    if (this.firstFrameMs === null && !this.failure && receiving && elapsed > NO_MEDIA_MS) this.failure = "no_media";
    let inKbps = 0, outKbps = 0;
    if (this.prev && now > this.prev.t) {
      const dt = (now - this.prev.t) / 1000;
      inKbps = Math.max(0, ((total.bytesIn - this.prev.bytesIn) * 8) / 1000 / dt);
      outKbps = Math.max(0, ((total.bytesOut - this.prev.bytesOut) * 8) / 1000 / dt);
    }
    this.prev = { t: now, bytesIn: total.bytesIn, bytesOut: total.bytesOut };
    const audio = Object.keys(total.audio).length
      ? Object.fromEntries(AUDIO_KEYS.map((k) => [snake(k), Math.round(total.audio[k] || 0)])) : null;
    let video = null;
    if (Object.keys(total.video).length) {
      video = Object.fromEntries(VIDEO_KEYS.filter((k) => k !== "totalFreezesDuration")
        .map((k) => [snake(k), Math.round(total.video[k] || 0)]));
      const videoMs = this.firstVideoAt === null ? 0 : Math.min(elapsed, now - this.firstVideoAt);
      video.video_ms = Math.round(videoMs);
      video.total_freezes_duration_ms = Math.min(video.video_ms, Math.round((total.video.totalFreezesDuration || 0) * 1000));
      video.layer_switches = this.layerSwitches;
    }
    let timezone = "";
    try { timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch { /* no Intl */ }
    return {
      session: this.session, room: this.roomId, seq: this.seq++, elapsed_ms: Math.round(elapsed),
      first_frame_ms: this.firstFrameMs, failure: this.failure, network: network(),
      timezone: /^[A-Za-z0-9_+\-/]{0,64}$/.test(timezone) ? timezone : "", codec: /^[a-z0-9]{1,16}$/.test(this.codec) ? this.codec : "opus",
      rtt_ms: rttMs === null ? null : Math.round(rttMs * 10) / 10,
      jitter_ms: jitterMs === null ? null : Math.round(jitterMs * 10) / 10,
      in_kbps: Math.round(inKbps), out_kbps: Math.round(outKbps), audio, video,
    };
  }

  // Send one report; resolves to the ms to wait before the next (Retry-After on 429).
  async flush() {
    if (this.refused) return this.intervalMs;
    const report = await this.read();
    const res = await this.send(report);
    if (res.status === 429) return Math.max(this.intervalMs, 1000 * Number(res.headers.get("Retry-After") || 5));
    if (res.status >= 400 && res.status < 500 && res.status !== 408) {
      this.refused = res.status;
      // e.g. 404: this server does not serve quality reports; not the page's problem, so no warning
      console.info(`quality reports refused (${res.status}); no more are sent for this join`);
    }
    return this.intervalMs;
  }

  // Stop, sending a last report from the connections' last counters (they may be closing now: no getStats);
  // best effort, `keepalive` lets it outlive the page.
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.pcs = () => [];
    if (!this.refused) await this.flush().catch(() => {});
  }
}

// The reporter of a Souk Room: POSTs with the signaling socket's token to the same server over HTTP(S).
export function reportRoom(room, signalUrl, { intervalMs = REPORT_MS } = {}) {
  const ws = new URL(signalUrl);
  const token = ws.searchParams.get("token");
  const url = new URL("/v1/quality/reports", ws);
  url.protocol = ws.protocol === "wss:" ? "https:" : "http:";
  url.search = "";
  const send = (report) => fetch(url.toString(), {
    method: "POST", keepalive: true, body: JSON.stringify(report),
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
  });
  const subs = () => [...room.subs.values()].filter((s) => !s.warm);
  return new QualityReporter({ roomId: room.id, send, intervalMs, receiving: () => subs().length > 0,
                               done: () => room.closed || room.client.closed,
                               pcs: () => [room.pub?.pc, ...subs().map((s) => s.pc)] }).start();
}
