// RFC 2198 audio redundancy (RED) through Janus 1.1.2's VideoRoom (docs/resilience.md "Audio: RED").
//
// With RED the sending browser puts each Opus frame twice on the wire: in its own packet and again in the next
// one, so a lost packet is rebuilt from the next whatever loss the encoder was told of (Janus reports to a
// publisher only its own uplink). The VideoRoom neither negotiates RED nor looks inside audio payloads: it
// answers a publisher with Opus alone and relays every audio packet of a feed to subscribers with the payload
// type it offered them for Opus, 111. So RED travels through it untouched if both ends agree on the numbers:
//
// - publisher: its offer carries RED on 111 and Opus on the type RED had (63 in Chromium); Janus answers
//   Opus on 63; redPublishAnswer() adds RED back first into that answer, so the browser sends RED on 111;
// - subscriber of a RED feed: Janus offers "opus" on 111; redSubscribeOffer() declares 111 as RED over an
//   Opus type of its own, the browser answers with both, and redForJanus() turns that answer back into the
//   plain Opus answer Janus expects.
//
// Chromium sends one redundant copy; addCopies() rebuilds each RED payload with two (see below).
//
// The server says which rooms publish with RED (`joined.red`), which publishes it accepted (`answer.red`) and
// which feeds a subscription receives as RED (`offer.red`): non-browser readers (the AI attendant, recordings,
// RTP forwarders) never get RED (souk.signal.red). Every function returns null when the SDP does not allow
// it (a browser without RED, an unexpected answer); the caller then goes on with plain Opus.

export const RED_PT = "111"; // Janus relays Opus with this payload type; RED takes it

function lines(sdp) {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  return { eol, ls: sdp.split(eol) };
}

// [start, end) of the first audio section
function audioRange(ls) {
  const start = ls.findIndex((l) => l.startsWith("m=audio "));
  if (start < 0) return null;
  let end = ls.findIndex((l, i) => i > start && l.startsWith("m="));
  if (end < 0) end = ls.length && ls[ls.length - 1] === "" ? ls.length - 1 : ls.length;
  return [start, end];
}

function codecPt(ls, [start, end], name) {
  for (let i = start; i < end; i++) {
    const m = new RegExp(`^a=rtpmap:(\\d+) ${name}/48000`, "i").exec(ls[i]);
    if (m) return m[1];
  }
  return null;
}

function mlinePts(mline) {
  return mline.split(" ").slice(3);
}

function withPts(mline, pts) {
  return [...mline.split(" ").slice(0, 3), ...pts].join(" ");
}

// payload type `pt` of an a=rtpmap / a=fmtp / a=rtcp-fb line, or null
function linePt(l) {
  const m = /^a=(rtpmap|fmtp|rtcp-fb):(\d+) /.exec(l);
  return m ? m[2] : null;
}

function renumber(l, from, to) {
  return l.replace(new RegExp(`^a=(rtpmap|fmtp|rtcp-fb):${from} `), `a=$1:${to} `);
}

// A publisher's offer with RED on 111 and Opus on the type RED had (`a=fmtp:111 63/63`), or null when the
// browser offers no RED for Opus. Idempotent: an offer already in that shape (an ICE restart's re-offer)
// comes back unchanged.
export function redPublishOffer(sdp) {
  const { eol, ls } = lines(sdp);
  const range = audioRange(ls);
  if (!range) return null;
  const red = codecPt(ls, range, "red");
  const opus = codecPt(ls, range, "opus");
  if (!red || !opus) return null;
  const fmtp = ls.find((l, i) => i >= range[0] && i < range[1] && l.startsWith(`a=fmtp:${red} `));
  if (!fmtp || !fmtp.slice(`a=fmtp:${red} `.length).split("/").every((x) => x === opus)) return null;
  if (red === RED_PT) return sdp;
  if (opus !== RED_PT) return null;
  const out = ls.map((l, i) => {
    if (i < range[0] || i >= range[1]) return l;
    if (i === range[0]) return withPts(l, mlinePts(l).map((p) => (p === red ? opus : p === opus ? red : p)));
    const pt = linePt(l);
    if (pt === opus) return renumber(l, opus, red);
    if (pt === red) {
      const swapped = renumber(l, red, opus);
      return l.startsWith("a=fmtp:") ? `a=fmtp:${opus} ${red}/${red}` : swapped;
    }
    return l;
  });
  return out.join(eol);
}

// The RED payload type of a publish offer made by redPublishOffer (and the Opus type under it), or null.
export function redOf(sdp) {
  const { ls } = lines(sdp);
  const range = audioRange(ls);
  if (!range) return null;
  const red = codecPt(ls, range, "red");
  const opus = codecPt(ls, range, "opus");
  if (red !== RED_PT || !opus) return null;
  return { red, opus };
}

// Janus's answer to a RED publish offer, with RED added back as the first audio codec (the browser sends
// what the answer lists first). Null when Janus answered Opus on another type than the offer's (then RED
// would not be Opus's redundancy).
export function redPublishAnswer(answer, offer) {
  const want = redOf(offer);
  if (!want) return null;
  const { eol, ls } = lines(answer);
  const range = audioRange(ls);
  if (!range) return null;
  const opus = codecPt(ls, range, "opus");
  if (opus !== want.opus || mlinePts(ls[range[0]]).includes(want.red)) return null;
  const out = [];
  ls.forEach((l, i) => {
    if (i === range[0]) { out.push(withPts(l, [want.red, ...mlinePts(l)])); return; }
    if (i > range[0] && i < range[1] && l.startsWith(`a=rtpmap:${opus} `)) {
      out.push(`a=rtpmap:${want.red} red/48000/2`, `a=fmtp:${want.red} ${opus}/${opus}`);
    }
    out.push(l);
  });
  return out.join(eol);
}

// Janus's offer of a RED feed as the browser must read it: the type Janus relays (Opus, 111) is RED, over
// Opus on a free type (63 when free). Returns { sdp, red, opus } or null (no Opus on 111 in the offer).
export function redSubscribeOffer(sdp) {
  const { eol, ls } = lines(sdp);
  const range = audioRange(ls);
  if (!range) return null;
  const red = codecPt(ls, range, "opus");
  if (red !== RED_PT || codecPt(ls, range, "red")) return null;
  const used = new Set(ls.filter((l) => /^(m=|a=rtpmap:)/.test(l)).flatMap((l) =>
    l.startsWith("m=") ? mlinePts(l) : [linePt(l)]));
  const opus = ["63", ...Array.from({ length: 32 }, (_, k) => String(96 + k))].find((p) => !used.has(p));
  if (!opus) return null;
  const out = [];
  ls.forEach((l, i) => {
    if (i < range[0] || i >= range[1]) { out.push(l); return; }
    if (i === range[0]) {
      const pts = mlinePts(l);
      const at = pts.indexOf(red);
      out.push(withPts(l, [...pts.slice(0, at + 1), opus, ...pts.slice(at + 1)]));
      return;
    }
    if (linePt(l) !== red) { out.push(l); return; }
    if (l.startsWith(`a=rtpmap:${red} `)) out.push(`a=rtpmap:${red} red/48000/2`, `a=fmtp:${red} ${opus}/${opus}`);
    out.push(renumber(l, red, opus));
  });
  return { sdp: out.join(eol), red, opus };
}

// The browser's answer to a redSubscribeOffer offer, as Janus offered it: Opus on `red` (111) again, no RED.
// Null when the browser did not accept RED (it answered Opus alone): that answer goes to Janus as it is.
export function redForJanus(answer, { red, opus }) {
  const { eol, ls } = lines(answer);
  const range = audioRange(ls);
  if (!range || codecPt(ls, range, "red") !== red || codecPt(ls, range, "opus") !== opus) return null;
  const out = [];
  ls.forEach((l, i) => {
    if (i < range[0] || i >= range[1]) { out.push(l); return; }
    if (i === range[0]) { out.push(withPts(l, mlinePts(l).filter((p) => p !== opus))); return; }
    const pt = linePt(l);
    if (pt === red) return; // RED's own rtpmap, fmtp, feedback
    out.push(pt === opus ? renumber(l, opus, red) : l);
  });
  return out.join(eol);
}

// Whether a description's audio section receives or sends RED (for tests and the quality report).
export function hasRed(sdp) {
  const { ls } = lines(sdp || "");
  const range = audioRange(ls);
  return !!range && codecPt(ls, range, "red") !== null;
}

// ---- a second redundant copy (Chromium's RED encoder sends one: kRedNumberOfRedundantEncodings = 1) ----
//
// Two packets lost in a row (9 % of them at 30 % random loss) are concealed with one copy. The publisher's
// encoded audio frames (RED payloads made by Chromium) are rebuilt with the last `copies` primaries seen
// (RFC 2198 section 3: 4-byte headers F|PT, timestamp offset, length for each redundant block, a 1-byte header
// for the primary, then the blocks oldest first, then the primary); the receiving browser's RED splitter
// takes any number of blocks. Uses encoded insertable streams (`encodedInsertableStreams: true`,
// `createEncodedStreams()`), as Amazon Chime's SDK does for the same reason.

// { pt, primary, blocks } of a RED payload (Uint8Array), or null when it is not one.
export function parseRed(buf) {
  const heads = [];
  let i = 0;
  for (;;) {
    if (i >= buf.length) return null;
    if ((buf[i] & 0x80) === 0) { heads.push({ pt: buf[i] & 0x7f }); i += 1; break; }
    if (i + 4 > buf.length) return null;
    heads.push({ pt: buf[i] & 0x7f, offset: (buf[i + 1] << 6) | (buf[i + 2] >> 2), len: ((buf[i + 2] & 0x03) << 8) | buf[i + 3] });
    i += 4;
  }
  const blocks = [];
  for (const h of heads.slice(0, -1)) {
    if (i + h.len > buf.length) return null;
    blocks.push({ pt: h.pt, offset: h.offset, data: buf.subarray(i, i + h.len) });
    i += h.len;
  }
  return { pt: heads[heads.length - 1].pt, primary: buf.subarray(i), blocks };
}

// A RED payload of `primary` (payload type `pt`, RTP timestamp `ts`) with up to `copies` earlier primaries
// from `history` ([{ ts, data }], oldest first) that fit RFC 2198's fields; null for an empty primary.
export function buildRed(pt, primary, ts, history, copies) {
  if (!primary.length) return null;
  const older = history.slice(-copies).filter((h) => {
    const offset = (ts - h.ts) >>> 0;
    return offset > 0 && offset < 1 << 14 && h.data.length > 0 && h.data.length < 1 << 10;
  });
  const out = new Uint8Array(older.reduce((n, h) => n + 4 + h.data.length, 0) + 1 + primary.length);
  let i = 0;
  for (const h of older) {
    const offset = (ts - h.ts) >>> 0;
    out.set([0x80 | pt, offset >> 6, ((offset & 0x3f) << 2) | (h.data.length >> 8), h.data.length & 0xff], i);
    i += 4;
  }
  out[i++] = pt;
  for (const h of older) { out.set(h.data, i); i += h.data.length; }
  out.set(primary, i);
  return out;
}

// Each RED payload of a sender's audio frames rebuilt with the last `copies` primaries; frames of another payload
// type pass as they are. `stats` counts. Self-contained (it runs in the RED worker too, from its source text).
export function redRebuilder(copies, redPt, stats) {
  const history = [];
  return (frame) => {
    try {
      stats.frames += 1;
      const meta = frame.getMetadata ? frame.getMetadata() : {};
      const ts = typeof meta.rtpTimestamp === "number" ? meta.rtpTimestamp : frame.timestamp;
      const red = meta.payloadType === Number(redPt) ? parseRed(new Uint8Array(frame.data)) : null;
      if (red && typeof ts === "number") {
        const out = buildRed(red.pt, red.primary, ts, history, copies);
        if (out) { frame.data = out.buffer; stats.rebuilt += 1; }
        history.push({ ts, data: red.primary.slice() });
        while (history.length > copies) history.shift();
      }
    } catch (e) {
      stats.error = String(e);
    }
    return frame;
  };
}

// The RED worker's own code: each audio sender given to it (RTCRtpScriptTransform) is rebuilt there, off the
// page's main thread; its counts go back to the page a few times a second.
function redWorkerMain() {
  self.onrtctransform = (ev) => {
    const { readable, writable, options } = ev.transformer;
    const stats = { frames: 0, rebuilt: 0 };
    const rebuild = redRebuilder(options.copies, options.pt, stats);
    let told = 0;
    readable.pipeThrough(new TransformStream({
      transform(frame, controller) {
        controller.enqueue(rebuild(frame));
        const now = Date.now();
        if (now - told >= 250) { told = now; self.postMessage({ id: options.id, stats }); }
      },
    })).pipeTo(writable).catch(() => {});
  };
  self.postMessage({ ready: true });
}

const WORKER_WAIT_MS = 1000;
let worker; // the page's one RED worker: a Promise of it, or of null where none can run (undefined: not tried)
const workerStats = new Map(); // transform id -> the stats object addCopies returned
let transforms = 0;

// The RED worker, made once from a blob of its source (same origin as the page, whatever origin the SDK came
// from: an embed on a shop's page); null when this browser or the page's content-security-policy allows none.
function redWorker() {
  if (worker !== undefined) return worker;
  worker = new Promise((resolve) => {
    if (typeof RTCRtpScriptTransform === "undefined" || typeof Worker === "undefined" || typeof Blob === "undefined") {
      resolve(null);
      return;
    }
    let w;
    const give = (x) => { clearTimeout(timer); resolve(x); };
    const timer = setTimeout(() => { if (w) w.terminate(); give(null); }, WORKER_WAIT_MS);
    try {
      const src = `"use strict";\n${parseRed}\n${buildRed}\n${redRebuilder}\n(${redWorkerMain})();\n`;
      w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })));
    } catch (e) {
      give(null);
      return;
    }
    w.onerror = () => { w.terminate(); give(null); };
    w.onmessage = (ev) => {
      if (ev.data && ev.data.ready) { give(w); return; }
      const stats = ev.data && workerStats.get(ev.data.id);
      if (stats) Object.assign(stats, ev.data.stats);
    };
  });
  return worker;
}

// Where a publisher's copies will be made, decided before its PeerConnection exists: "worker" (the audio sender
// alone, through RTCRtpScriptTransform in the RED worker: video never leaves the browser's own pipeline),
// "main" (encoded insertable streams: the PeerConnection needs `encodedInsertableStreams: true`, and every
// sender, video too, passes through the page's main thread, where a busy page delays frames and past Chromium's
// queue limit drops one, which freezes the picture until the next keyframe), or null (one copy, Chromium's own).
export async function copiesMode() {
  if (await redWorker()) return "worker";
  return typeof RTCRtpSender !== "undefined" && "createEncodedStreams" in RTCRtpSender.prototype ? "main" : null;
}

// Rebuild a publisher PeerConnection's RED audio with `copies` redundant blocks: in the RED worker (`mode`
// "worker"), or piping its senders on the main thread ("main": the PeerConnection was made with
// encodedInsertableStreams: true; frames of other senders pass as they are). `stats` counts.
export async function addCopies(pc, copies = 2, mode = "main", stats = { frames: 0, rebuilt: 0 }) {
  stats.mode = mode;
  if (mode === "worker") {
    const w = await redWorker();
    for (const sender of pc.getSenders()) {
      if (!sender.track || sender.track.kind !== "audio") continue;
      const id = ++transforms;
      workerStats.set(id, stats);
      sender.transform = new RTCRtpScriptTransform(w, { copies, pt: RED_PT, id });
    }
    return stats;
  }
  for (const sender of pc.getSenders()) {
    if (!sender.track) continue;
    const { readable, writable } = sender.createEncodedStreams();
    if (sender.track.kind !== "audio") { readable.pipeTo(writable).catch(() => {}); continue; }
    const rebuild = redRebuilder(copies, RED_PT, stats);
    const t = new TransformStream({ transform(frame, controller) { controller.enqueue(rebuild(frame)); } });
    readable.pipeThrough(t).pipeTo(writable).catch(() => {});
  }
  return stats;
}
