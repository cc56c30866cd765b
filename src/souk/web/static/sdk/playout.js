// Video that waits for its repairs (docs/resilience.md): on a lossy link a lost video packet comes back by
// NACK/RTX a round trip later (Janus resends it from its queue). Chromium's video jitter buffer does not wait
// for it by default (its target stays at a few ms), so the frame, and every frame after it that refers to it,
// renders a round trip late: on a 150 ms link each lost packet is a W3C freeze. While a subscription sees
// repair (its browser sends NACKs or loses video packets), the PlayoutAdapter raises that subscription's
// video `RTCRtpReceiver.jitterBufferTarget` to cover one repair round trip plus a margin (the browser then
// renders frames that much later); after `calmMs` without repair, or above `maxLossPct` (audio-only
// territory), it hands the buffer back to the browser.
//
// Where the subscription keeps lip sync (a live show's viewers: connect({ lipSync })), Chromium holds the voice
// as long as the video, which the E-model counts as conversational delay: `maxMs` bounds the hold, `budgetMs`
// caps it by the round trip (none at all on a path over ~216 ms), and a voice that itself loses
// `audioMaxLossPct` gets no hold. Elsewhere (consults, group calls: `decoupled`, unsyncVideo) the video is
// held alone: long enough for a repair's second try, learning from freezes, up to `decoupledMaxMs`; the
// picture then trails the voice by the hold while the link repairs. Pure parts (PlayoutPolicy,
// StallWatch) take numbers and a clock and are tested under node.
//
// A picture stuck on a lost reference (a packet no repair brought back: Janus NACKs a publisher only twice)
// waits for a keyframe, and Chromium asks for one only after 3 s without a decodable frame. The StallWatch
// sees video packets arriving while no frame is decoded for `stallMs` (+ the round trip) and the adapter
// asks Janus for a keyframe at once (`receive {sub, video: true}`: Janus sends the publisher a PLI), at most
// once per `holdMs`.
//
// The publisher's leg. A packet the publisher's link lost comes back only when Janus NACKs the publisher
// (12 and 155 ms after the gap, compiled in; Chromium ignores the second NACK when it comes within its round
// trip of its first resend, so above ~143 ms only the first counts), a round trip of *that* link later, which
// the subscriber cannot see. Each publishing SDK reports its connection's round trip (`uplink`; the room hears
// `feed.link`, the feed's `rtt_ms`). With it a decoupled hold covers the upstream repair too (312 ms + margin
// behind a 300 ms publisher), and the StallWatch also watches frames being *completed* (framesReceived): once
// none completed for longer than every repair still possible (upstream and its own leg's two tries) + a margin,
// the packet is gone and the keyframe is asked for then, not a hold later when decoding runs dry.
//
// Per one-second sample of a subscription: rttMs (its nominated candidate pair: the round trip a repair
// takes), videoPackets / videoLost (inbound video received / lost in the interval), nacks (NACKs it sent),
// freezes / keyframes (W3C freezes counted, keyframes decoded in the interval).

export const PLAYOUT = {
  repairLossPct: 0.5, // a sample with this much video loss (or any NACK sent) is "repairing"
  maxLossPct: 15, // above: repair cannot keep up (sdk/layers.js goes audio-only); no extra delay for audio to sync to
  audioMaxLossPct: 10, // the voice itself loses this much: every ms it waits for the video costs more than a freeze
  rttFactor: 1, // target = rttFactor x RTT + marginMs, at most maxMs
  marginMs: 100, // reordering wait, the retransmission's own pacing, jitter
  floorMs: 150, // a repair upstream (Janus NACKing the publisher) takes the publisher's round trip, unseen here
  maxMs: 400, // the voice follows the video (lip sync): every ms here is a ms of conversational delay
  // The hold is capped by the round trip: network one way (RTT / 2) + hold <= budgetMs, and a hold that cannot
  // cover a repair round trip (cap < RTT) is not made at all (it would only delay the voice). 325 = 150 ms RTT's
  // 75 + 250, the trade measured to pay off (freeze ratio 0.35 -> 0); at 300 ms RTT a 400 ms hold cost 0.6 audio
  // MOS (3.67 -> 3.07) for 0.32 -> 0.22 freeze ratio (docs/resilience.md). No hold above ~216 ms RTT.
  budgetMs: 325,
  defaultRttMs: 150, // when the browser reports no RTT yet
  stepMs: 20, // smaller changes are not applied
  calmMs: 10000, // no repair for this long: the browser's own buffer again
  // A subscription whose video is kept out of lip sync with its voice (`decoupled`: unsyncVideo below) holds the
  // video alone, so the voice budget does not apply. The hold covers a repair that needed a second try: the
  // round trip, then the retry, which Janus 1.1.2 (compiled in) answers no sooner than `retryMs` after its
  // first resend of that packet (it ignores repeated NACKs for 200 ms), plus the margin: 350 ms on a 50 ms
  // path, 450 on 150, 700 (the cap) on 300. On a clean leg the same 300 ms lets a repair upstream land: Janus
  // NACKs a publisher 12 and 155 ms after a gap, on a path this side cannot see. Each freeze seen while
  // holding adds `learnMs`, up to `decoupledMaxMs`.
  decoupled: false,
  decoupledMaxMs: 700,
  retryMs: 200,
  learnMs: 100,
  upstreamNackMs: [12, 155], // when Janus 1.1.2 NACKs a publisher after a gap (SEQ_MISSING_WAIT, SEQ_NACKED_WAIT)
};

// How long after a gap a packet lost on the publisher's leg can still arrive at Janus: the last NACK the
// publisher's browser answers (the second only when the publisher's round trip is under the gap between the
// two: Chromium does not resend a packet twice within a round trip), plus that round trip. null: not known.
export function upstreamRepairMs(publisherRttMs, nackMs = PLAYOUT.upstreamNackMs) {
  if (!(typeof publisherRttMs === "number" && publisherRttMs > 0)) return null;
  const [first, second] = nackMs;
  return (publisherRttMs < second - first ? second : first) + publisherRttMs;
}

// A repair on this subscription's own leg that needed a second try: the round trip, then the retry that Janus
// answers no sooner than `retryMs` after its first resend.
export function retriedRepairMs(rttMs, retryMs = PLAYOUT.retryMs) {
  return rttMs + Math.max(rttMs, retryMs);
}

export class PlayoutPolicy {
  constructor(opts = {}) {
    this.p = { ...PLAYOUT, ...opts };
    this.target = null; // ms, or null = the browser's own
    this.repairAt = null;
    this.learned = 0; // decoupled: ms added for freezes seen while holding
    this.rttMs = null; // the last round trip the browser reported (a sample without one keeps it)
  }

  // A sample {t, rttMs, videoPackets, videoLost, nacks}: the new target (ms, or null) when it changes, else
  // undefined.
  sample(s) {
    const p = this.p;
    const expected = (s.videoPackets || 0) + (s.videoLost || 0);
    const lossPct = expected > 0 ? (100 * (s.videoLost || 0)) / expected : 0;
    const repairing = (s.nacks || 0) > 0 || (expected > 0 && lossPct >= p.repairLossPct);
    let want = this.target;
    const heard = (s.audioPackets || 0) + (s.audioLost || 0);
    const audioLossPct = heard > 0 ? (100 * (s.audioLost || 0)) / heard : 0;
    const voiceLost = !p.decoupled && heard >= 20 && audioLossPct >= p.audioMaxLossPct; // the voice waits for nothing
    if ((expected > 0 && lossPct > p.maxLossPct) || voiceLost) {
      want = null;
    } else if (repairing) {
      this.repairAt = s.t;
      if (typeof s.rttMs === "number" && s.rttMs > 0) this.rttMs = s.rttMs;
      const rtt = this.rttMs ?? p.defaultRttMs;
      let base = p.decoupled ? retriedRepairMs(rtt, p.retryMs) : p.rttFactor * rtt; // decoupled: a second try
      // decoupled, no round trip measured yet (a first loss comes before it on a long path): the cap at once.
      // Chromium moves its playout delay toward a new target by at most 100 ms per second of video, so a hold
      // set too high is lowered smoothly once the round trip is known (the picture plays a little faster), where
      // one set too low leaves the next late repair a freeze.
      if (p.decoupled && this.rttMs === null) base = p.decoupledMaxMs;
      const upstream = upstreamRepairMs(s.upstreamRttMs, p.upstreamNackMs);
      if (p.decoupled && upstream !== null) base = Math.max(base, upstream); // or the publisher's leg's repair
      const cap = p.decoupled ? p.decoupledMaxMs : Math.min(p.maxMs, Math.round(p.budgetMs - rtt / 2));
      // held, and still froze: a repair came too late (a freeze that a keyframe ended was a loss no repair
      // brought back, where a longer hold only delays the keyframe)
      if (p.decoupled && this.target !== null && (s.freezes || 0) > 0 && !((s.keyframes || 0) > 0)) {
        this.learned = Math.min(p.decoupledMaxMs, this.learned + p.learnMs);
      }
      if (cap < p.rttFactor * rtt) {
        want = null; // too long a path: a hold that covers a repair costs the voice more than the freeze
      } else {
        const need = Math.min(cap, Math.max(p.floorMs, Math.round(base + p.marginMs)) + this.learned);
        // up at once; down only by a clear step (the RTT estimate wobbles), or at once to the cap
        if (want === null || need > want || want - need >= 2 * p.stepMs || want > cap) want = need;
      }
    } else if (this.target !== null && this.repairAt !== null && s.t - this.repairAt >= p.calmMs) {
      want = null;
    }
    if (want === this.target) return undefined;
    if (want !== null && this.target !== null && Math.abs(want - this.target) < p.stepMs) return undefined;
    this.target = want;
    return want;
  }
}

// Chromium applies a raised jitterBufferTarget at once: the picture stops for the difference (a hold raised from
// the browser's ~10 ms to 600 ms froze a clean call for 0.6 s, one W3C freeze), while 100 ms steps half a second
// apart froze nothing (a 100 ms longer frame interval is under the freeze threshold, max(3 x the mean interval,
// the mean + 150 ms)). So the adapter raises the receiver's target toward the policy's by `stepMs` a poll;
// lowering (and letting go, null) is applied at once: the picture then plays a little faster.
export const RAMP = { stepMs: 100 };

// The target to set now, from the one set (null: the browser's own) and the one wanted.
export function rampTarget(applied, wanted, stepMs = RAMP.stepMs) {
  if (wanted === null || wanted === undefined) return null;
  if (applied !== null && wanted <= applied) return wanted;
  return Math.min(wanted, (applied ?? 0) + stepMs);
}

// The publishing round trip is told again when it moved this much (the server tells the room on the same step).
export const UPLINK_STEP = { fraction: 0.2, ms: 20 };

export function uplinkMoved(sent, rttMs) {
  return sent === null || Math.abs(rttMs - sent) >= Math.max(UPLINK_STEP.ms, UPLINK_STEP.fraction * sent);
}

export const STALL = { stallMs: 250, holdMs: 1000, marginMs: 150, retryMs: PLAYOUT.retryMs };

// Decides when a subscription's video is stuck: check({t, framesDecoded, framesReceived, videoPackets, rttMs,
// upstreamRttMs}) with cumulative counters, polled a few times a second; true = ask for a keyframe now.
// Stuck: packets arrive while no frame was decoded for `stallMs` + the round trip; or, when the publisher's
// round trip is known, while no frame was completed for longer than any repair still possible (the
// publisher's leg: upstreamRepairMs; this leg: a resend and its retry, `retryMs` later) + `marginMs`.
export class StallWatch {
  constructor(opts = {}) {
    this.p = { ...STALL, ...opts };
    this.decoded = new Since(); // framesDecoded
    this.received = new Since(); // framesReceived (completed frames)
    this.askedAt = null;
  }

  check(s) {
    const decodedMoved = this.decoded.see(s.framesDecoded, s);
    const receivedMoved = this.received.see(s.framesReceived, s);
    const rtt = typeof s.rttMs === "number" && s.rttMs > 0 ? s.rttMs : 0;
    let stuck = !decodedMoved && this.decoded.stuck(s, this.p.stallMs + rtt);
    const upstream = upstreamRepairMs(s.upstreamRttMs);
    if (!stuck && !receivedMoved && upstream !== null && typeof s.framesReceived === "number") {
      stuck = this.received.stuck(s, Math.max(upstream, retriedRepairMs(rtt, this.p.retryMs)) + this.p.marginMs);
    }
    if (!stuck || (this.askedAt !== null && s.t - this.askedAt < this.p.holdMs)) return false;
    this.askedAt = s.t;
    return true;
  }
}

// A cumulative frame counter and when it last moved (with the packet count then).
class Since {
  constructor() {
    this.value = null;
    this.at = null;
    this.packets = null;
  }

  // true when the counter moved (or is seen for the first time)
  see(value, s) {
    if (this.value !== null && value === this.value) return false;
    this.value = value;
    this.at = s.t;
    this.packets = s.videoPackets;
    return true;
  }

  // stuck for `ms`: frames had come, packets still arrive, the counter stands still
  stuck(s, ms) {
    return this.value > 0 && s.videoPackets > this.packets && s.t - this.at >= ms;
  }
}

// The cumulative counters a sample is made of, from one getStats() report of a subscription.
export function playoutSnapshot(stats, t) {
  const out = { t, videoPackets: 0, videoLost: 0, nacks: 0, framesDecoded: 0, framesReceived: 0, freezes: 0,
    keyframes: 0, rttMs: null, audioPackets: 0, audioLost: 0 };
  stats.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") {
      out.videoPackets += s.packetsReceived || 0;
      out.videoLost += Math.max(0, s.packetsLost || 0);
      out.nacks += s.nackCount || 0;
      out.framesDecoded += s.framesDecoded || 0;
      out.framesReceived += s.framesReceived || 0;
      out.freezes += s.freezeCount || 0;
      out.keyframes += s.keyFramesDecoded || 0;
    } else if (s.type === "inbound-rtp" && s.kind === "audio") {
      out.audioPackets += s.packetsReceived || 0;
      out.audioLost += Math.max(0, s.packetsLost || 0);
    } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded" &&
               typeof s.currentRoundTripTime === "number") {
      out.rttMs = s.currentRoundTripTime * 1000;
    }
  });
  return out;
}

// One sample from two snapshots.
export function playoutSample(prev, cur) {
  const d = (k) => Math.max(0, (cur[k] || 0) - (prev[k] || 0));
  return { t: cur.t, rttMs: cur.rttMs, upstreamRttMs: cur.upstreamRttMs, videoPackets: d("videoPackets"), videoLost: d("videoLost"), nacks: d("nacks"),
           audioPackets: d("audioPackets"), audioLost: d("audioLost"), freezes: d("freezes"), keyframes: d("keyframes") };
}

// A subscriber offer with its video in a stream of its own (the msid's stream id + "-video", in the video
// sections only): Chromium keeps lip sync only between tracks of one stream, so the video's playout hold then
// never delays the voice (the voice comes first on a long lossy path; the picture may trail it by the hold).
// The SDK does this for feeds that are not simulcast (consults, group calls): a live show's viewers keep lip
// sync. An offer without msids is returned as it is.
export function unsyncVideo(sdp) {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  let video = false;
  return sdp.split(eol).map((l) => {
    if (l.startsWith("m=")) video = l.startsWith("m=video ");
    if (!video) return l;
    let m = /^a=msid:(\S+)(.*)$/.exec(l);
    if (m && m[1] !== "-") return `a=msid:${m[1]}-video${m[2]}`;
    m = /^(a=ssrc:\d+ msid:)(\S+)(.*)$/.exec(l);
    if (m && m[2] !== "-") return `${m[1]}${m[2]}-video${m[3]}`;
    return l;
  }).join(eol);
}

// Applies a PlayoutPolicy (once a second) and a StallWatch (every `pollMs`) to each subscription of a Room;
// the room emits playout {participant, sub, targetMs} (null: the browser's own buffer again) and
// keyframe {participant, sub} when it asked for one.
export class PlayoutAdapter {
  constructor(room, { pollMs = 250, sampleMs = 1000, policy = {}, stall = {} } = {}) {
    this.room = room;
    this.opts = { sampleMs, policy, stall };
    this.state = new Map(); // sub id -> { policy, watch, last, asking }
    this.uplinkAt = -Infinity; // when the publishing round trip was last read
    this.uplinkSent = null; // the round trip last told to the server (ms)
    this.timer = setInterval(() => this.tick().catch((e) => console.warn("souk: playout adapter", e)), pollMs);
  }

  async tick() {
    for (const id of this.state.keys()) if (!this.room.subs.has(id)) this.state.delete(id);
    await Promise.all([...this.room.subs.values()].filter((s) => s.pc && s.pc.connectionState === "connected")
      .map((s) => this._one(s)));
    await this._uplink();
  }

  // Once a sample, this client's publishing round trip to the server when it moved by a step (UPLINK_STEP),
  // for its subscribers' holds and stall watches.
  async _uplink() {
    const pub = this.room.pub;
    const now = performance.now();
    if (!pub || !pub.pc || pub.pc.connectionState !== "connected" || now - this.uplinkAt < this.opts.sampleMs) return;
    this.uplinkAt = now;
    const rtt = playoutSnapshot(await pub.pc.getStats(), now).rttMs;
    if (rtt === null || !uplinkMoved(this.uplinkSent, rtt)) return;
    this.uplinkSent = Math.round(rtt);
    try {
      await this.room.client.request({ type: "uplink", rtt_ms: this.uplinkSent });
    } catch (e) {
      this.uplinkSent = null; // told again at the next sample (a publish being replaced, a reconnect)
    }
  }

  async _one(sub) {
    const snap = playoutSnapshot(await sub.pc.getStats(), performance.now());
    const feed = sub.participant ? this.room.feeds?.get(sub.participant) : null;
    snap.upstreamRttMs = feed && feed.rtt_ms > 0 ? feed.rtt_ms : null; // its publisher's report (feed.link)
    let st = this.state.get(sub.id);
    if (!st) {
      st = { policy: new PlayoutPolicy({ ...this.opts.policy, decoupled: sub.lipSync === false }),
        watch: new StallWatch(this.opts.stall), last: snap, asking: false, applied: null };
      this.state.set(sub.id, st);
    }
    // Not for simulcast feeds (live shows, group calls): Janus forwards every keyframe request to the publisher
    // unthrottled, and a large audience on bad links must not make the host send keyframes back to back.
    const simulcast = !!this.room.feeds?.get(sub.participant)?.simulcast;
    if (!sub.warm && !simulcast && sub.video !== false && st.asking !== "never" && st.watch.check(snap)) this._keyframe(sub, st);
    // once a second; but the first repair seen while the browser holds nothing raises the hold at once
    const first = st.policy.target === null && (snap.nacks > st.last.nacks || snap.videoLost > st.last.videoLost);
    if (snap.t - st.last.t >= this.opts.sampleMs || first) {
      const target = st.policy.sample(playoutSample(st.last, snap));
      st.last = snap;
      if (target !== undefined && !sub.warm) this.room.emit("playout", { participant: sub.participant, sub: sub.id, targetMs: target });
    }
    const next = rampTarget(st.applied, st.policy.target);
    if (next === st.applied) return;
    st.applied = next;
    for (const r of sub.pc.getReceivers()) {
      if (r.track && r.track.kind === "video" && "jitterBufferTarget" in r) r.jitterBufferTarget = next;
    }
  }

  async _keyframe(sub, st) {
    if (st.asking) return;
    st.asking = true;
    try {
      await this.room.client.request({ type: "receive", sub: sub.id, video: true }); // Janus: PLI to the publisher
      this.room.emit("keyframe", { participant: sub.participant, sub: sub.id });
      st.asking = false;
    } catch (e) {
      // a relayed live viewer cannot be asked (its mountpoint's keyframes come on their own)
      st.asking = ["pause_unsupported", "no_video", "unknown_subscription"].includes(e.code) ? "never" : false;
    }
  }

  stop() {
    clearInterval(this.timer);
    this.state.clear();
  }
}
