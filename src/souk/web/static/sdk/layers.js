// The subscriber's side of a weak link (docs/resilience.md): from its own getStats, once a second, pick the
// simulcast layer it receives (0 low .. 2 high) and fall back to audio only when even the lowest layer does
// not get through; resume video when the link recovers. Pure parts (linkSample, LayerPolicy) take numbers and
// a clock and are tested under node; LayerAdapter applies them to a Room's subscriptions.
//
// Signals, per one-second sample of a subscription's PeerConnection:
//   availableKbps  candidate-pair availableIncomingBitrate when the browser reports one (a receive-side estimate)
//   videoKbps      video bitrate received in the interval
//   lossPct        packets lost / expected in the interval (audio and video together; audio alone when video is off)
//   freezes        W3C freezeCount increase in the interval (a frame gap over max(3 x mean gap, mean gap + 150 ms))
// Hysteresis: down after `downAfter` bad samples in a row, and not within `settleMs` of the last change (a
// switch waits for a keyframe, which can look like a freeze); up only after `upHoldMs` of good samples, and an
// upgrade undone within `failWindowMs` doubles that hold (up to `maxHoldMs`), so a link that cannot carry the
// next layer is not probed every few seconds. Video off after `offAfter` samples in a row at the lowest layer
// with loss over `offLossPct` (or less bandwidth than it needs; freezes alone, e.g. a busy CPU, never); on
// again after `resumeHoldMs` of clean audio (doubling after a resume that failed the same way).

// What each layer needs (the publisher's encodings in souk.js SIMULCAST: l 120, m 400, h 1200 kbps).
export const LAYER_KBPS = [120, 400, 1200];

export const POLICY = {
  badLossPct: 8, goodLossPct: 2, offLossPct: 15, downAfter: 2, offAfter: 3, settleMs: 2500, upHoldMs: 6000, maxHoldMs: 60000,
  failWindowMs: 12000, resumeHoldMs: 8000, resumeLossPct: 3, headroom: 1.3,
};

// One sample from two cumulative snapshots ({t, video: {bytes, packets, lost, freezes}, audio: {packets, lost},
// availableKbps}) of a subscription.
export function linkSample(prev, cur) {
  const dt = Math.max(1e-3, (cur.t - prev.t) / 1000);
  const d = (k, key) => Math.max(0, (cur[k]?.[key] || 0) - (prev[k]?.[key] || 0));
  const lost = d("video", "lost") + d("audio", "lost");
  const got = d("video", "packets") + d("audio", "packets");
  const vLost = d("video", "lost"), vGot = d("video", "packets");
  const aLost = d("audio", "lost"), aGot = d("audio", "packets");
  const pct = (l, g) => (l + g > 0 ? (100 * l) / (l + g) : 0);
  return {
    t: cur.t, availableKbps: cur.availableKbps ?? null, videoKbps: (d("video", "bytes") * 8) / 1000 / dt,
    lossPct: pct(lost, got), videoLossPct: pct(vLost, vGot), audioLossPct: pct(aLost, aGot),
    freezes: d("video", "freezes"), videoPackets: vGot, audioPackets: aGot,
  };
}

// The cumulative snapshot linkSample takes, from one getStats() report of a subscription.
export function snapshot(stats, t) {
  const out = { t, video: { bytes: 0, packets: 0, lost: 0, freezes: 0 }, audio: { packets: 0, lost: 0 }, availableKbps: null };
  stats.forEach((s) => {
    if (s.type === "inbound-rtp" && (s.kind === "video" || s.kind === "audio")) {
      const o = out[s.kind];
      o.packets += s.packetsReceived || 0;
      o.lost += Math.max(0, s.packetsLost || 0);
      if (s.kind === "video") {
        o.bytes += s.bytesReceived || 0;
        o.freezes += s.freezeCount || 0;
      }
    } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded" &&
               typeof s.availableIncomingBitrate === "number") {
      out.availableKbps = s.availableIncomingBitrate / 1000;
    }
  });
  return out;
}

// Decides a subscription's layer and whether it receives video. sample() returns a change ({layer, video,
// reason}) or null. `layers`: how many simulcast layers the feed has (1 when it is not simulcast: only the
// audio-only fallback applies).
export class LayerPolicy {
  constructor({ layers = 3, start, now = 0, ...opts } = {}) {
    this.p = { ...POLICY, ...opts };
    this.top = Math.max(0, Math.min(layers, LAYER_KBPS.length) - 1);
    this.layer = start === undefined ? this.top : Math.max(0, Math.min(start, this.top));
    this.video = true;
    this.bad = 0;
    this.collapse = 0; // bad samples in a row with heavy loss (or no bandwidth): freezes alone never stop video
    this.goodSince = null;
    this.changedAt = now;
    this.holdMs = this.p.upHoldMs;
    this.resumeMs = this.p.resumeHoldMs;
    this.lastUp = null; // when we last went up (or resumed video): undone soon after = that step failed
  }

  sample(s) {
    const p = this.p;
    const settled = s.t - this.changedAt >= p.settleMs;
    if (!this.video) return this._whileOff(s, settled);
    const avail = s.availableKbps;
    const starved = avail !== null && avail < LAYER_KBPS[this.layer];
    const bad = s.lossPct >= p.badLossPct || (settled && s.freezes > 0) || starved;
    const next = LAYER_KBPS[this.layer + 1];
    const good = s.lossPct < p.goodLossPct && s.freezes === 0 && (avail === null || next === undefined || avail >= next * p.headroom);
    this.bad = bad ? this.bad + 1 : 0;
    this.collapse = s.lossPct >= p.offLossPct || starved ? this.collapse + 1 : 0;
    this.goodSince = good ? (this.goodSince ?? s.t) : null;
    if (bad && settled && this.bad >= p.downAfter && this.layer > 0) {
      let to = this.layer - 1;
      if (avail !== null) while (to > 0 && LAYER_KBPS[to] * p.headroom > avail) to--;
      return this._change(s.t, to, true, `down: loss ${s.lossPct.toFixed(1)} %, ${s.freezes} freezes` +
        (avail !== null ? `, ${Math.round(avail)} kbps available` : ""));
    }
    if (settled && this.collapse >= p.offAfter && this.layer === 0) {
      return this._change(s.t, 0, false, `audio only: loss ${s.lossPct.toFixed(1)} % at the lowest layer`);
    }
    if (good && this.layer < this.top && s.t - this.goodSince >= this.holdMs && settled) {
      return this._change(s.t, this.layer + 1, true, `up: ${Math.round((s.t - this.goodSince) / 1000)} s clean`);
    }
    if (this.lastUp !== null && s.t - this.lastUp > p.failWindowMs) {
      this.holdMs = p.upHoldMs; // the last step up (or resume) held: probe at the usual pace again
      this.resumeMs = p.resumeHoldMs;
      this.lastUp = null;
    }
    return null;
  }

  _whileOff(s, settled) {
    const p = this.p;
    const clean = s.audioPackets > 0 && s.audioLossPct < p.resumeLossPct && (s.availableKbps === null || s.availableKbps >= LAYER_KBPS[0] * p.headroom);
    this.goodSince = clean ? (this.goodSince ?? s.t) : null;
    if (clean && settled && s.t - this.goodSince >= this.resumeMs) return this._change(s.t, 0, true, "video resumed: audio clean");
    return null;
  }

  _change(t, layer, video, reason) {
    const p = this.p;
    const down = layer < this.layer || (!video && this.video);
    if (down && this.lastUp !== null && t - this.lastUp <= p.failWindowMs) {
      // the step up (or the resume) we just took did not hold: wait longer before the next one
      if (this.video && video) this.holdMs = Math.min(p.maxHoldMs, this.holdMs * 2);
      else this.resumeMs = Math.min(p.maxHoldMs, this.resumeMs * 2);
    }
    this.lastUp = down ? null : t;
    this.layer = layer;
    this.video = video;
    this.bad = 0;
    this.collapse = 0;
    this.goodSince = null;
    this.changedAt = t;
    return { layer, video, reason };
  }
}

// Runs a LayerPolicy per subscription of a Room every `intervalMs`: room.layer() for a simulcast feed's layer,
// a `receive` request for video off/on. A layer the page picked itself (room.layer) is kept: that subscription
// then only falls back to audio and back. A page that sets `sub.maxLayer` (the group call grid: the layer its
// tile's size needs) gets adaptation below that ceiling instead; a `sub.paused` subscription (its video stopped
// by the page) is left alone. Emits "adapt" on the room: {participant, sub, layer, video, reason}.
export class LayerAdapter {
  constructor(room, { intervalMs = 1000, policy = {} } = {}) {
    this.room = room;
    this.policyOpts = policy;
    this.state = new Map(); // sub id -> { policy, last, busy }
    this.timer = setInterval(() => this.tick().catch((e) => console.warn("souk: layer adapter", e)), intervalMs);
  }

  async tick() {
    for (const id of this.state.keys()) if (!this.room.subs.has(id)) this.state.delete(id);
    await Promise.all([...this.room.subs.values()].filter((s) => !s.warm && s.participant).map((s) => this._one(s)));
  }

  async _one(sub) {
    if (sub.paused) { // the page stopped its video itself (a hidden grid tile, sdk/grid.js): not a weak link;
      this.state.delete(sub.id); // measured afresh once it shows again
      return;
    }
    let st = this.state.get(sub.id);
    if (sub.pc.connectionState !== "connected") return;
    const now = performance.now();
    const snap = snapshot(await sub.pc.getStats(), now);
    if (!st) {
      const layers = this.room.feeds.get(sub.participant)?.simulcast ? LAYER_KBPS.length : 1;
      st = { policy: new LayerPolicy({ layers, now, ...this.policyOpts }), last: snap, busy: false, layers,
        simulcast: layers > 1 };
      this.state.set(sub.id, st);
      return;
    }
    if (st.simulcast && sub.maxLayer !== undefined && sub.maxLayer !== st.ceiling && !st.busy) {
      // the page's ceiling (a grid tile's size, sdk/grid.js): adapt from the layer it set, never above it
      st.ceiling = sub.maxLayer;
      st.layers = sub.maxLayer + 1;
      st.applied = sub.maxLayer; // the page sets the layer to its ceiling with it (room.layer)
      st.policy = new LayerPolicy({ layers: st.layers, now, ...this.policyOpts });
      st.last = snap;
      return;
    }
    const sample = linkSample(st.last, snap);
    st.last = snap;
    if (st.busy) return;
    if (st.layers > 1 && sub.layer !== undefined && sub.layer !== st.applied) {
      // the page picked a layer itself (room.layer, e.g. a quality menu): keep it; only audio-only applies
      st.layers = 1;
      st.policy = new LayerPolicy({ layers: 1, now, ...this.policyOpts });
      return;
    }
    const change = st.policy.sample(sample);
    if (!change) return;
    st.busy = true;
    try {
      if (change.video !== (sub.video !== false)) {
        await this.room.client.request({ type: "receive", sub: sub.id, video: change.video });
        sub.video = change.video;
      }
      if (change.video && st.layers > 1 && sub.layer !== change.layer) {
        st.applied = change.layer;
        await this.room.layer(sub.participant, change.layer);
      }
      this.room.emit("adapt", { participant: sub.participant, sub: sub.id, ...change });
    } catch (e) {
      st.applied = sub.layer; // what the subscription has, not what failed
      // a relayed live viewer has no layers to pick and cannot stop its video: leave that subscription alone
      if (["layer_unsupported", "pause_unsupported", "no_video"].includes(e.code)) st.busy = "never";
      console.warn(`souk: adapting ${sub.participant} failed (${e.code || e.message})`);
    } finally {
      if (st.busy !== "never") st.busy = false;
    }
  }

  stop() {
    clearInterval(this.timer);
    this.state.clear();
  }
}
