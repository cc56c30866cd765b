"""The repair counters behind a ``souk bench links`` cell (``--detail``): what each side's Chromium says it lost,
repaired, concealed and asked for, so a figure can be explained, not only read.

A page's ``DETAIL`` sums the W3C webrtc-stats counters over its peer connections (its publisher and its
subscriptions): inbound audio/video (what it received: losses, Opus FEC, concealment, NACKs and PLIs it sent,
retransmissions it got, freezes) and outbound audio/video (what it sent: NACKs and PLIs it got, retransmissions
it sent, keyframes). ``delta`` turns two of them into the counts over a window; pure, unit-tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DETAIL = """async (key) => {
  const s = window[key];
  const keys = {
    in_audio: ["packetsReceived", "packetsLost", "fecPacketsReceived", "fecPacketsDiscarded", "concealedSamples",
      "silentConcealedSamples", "concealmentEvents", "insertedSamplesForDeceleration",
      "removedSamplesForAcceleration", "totalSamplesReceived", "jitterBufferDelay", "jitterBufferEmittedCount",
      "jitterBufferTargetDelay", "nackCount", "retransmittedPacketsReceived"],
    in_video: ["packetsReceived", "packetsLost", "nackCount", "retransmittedPacketsReceived", "pliCount",
      "firCount", "framesReceived", "framesDecoded", "framesDropped", "keyFramesDecoded", "freezeCount",
      "totalFreezesDuration", "pauseCount", "totalPausesDuration", "jitterBufferDelay",
      "jitterBufferEmittedCount", "jitterBufferTargetDelay", "qpSum"],
    out_audio: ["packetsSent", "retransmittedPacketsSent", "nackCount"],
    out_video: ["packetsSent", "retransmittedPacketsSent", "nackCount", "pliCount", "firCount",
      "keyFramesEncoded", "framesEncoded", "framesSent"],
  };
  const out = { t_ms: Date.now(), codecs: [] };
  for (const k of Object.keys(keys)) out[k] = Object.fromEntries(keys[k].map((n) => [n, 0]));
  if (!s || !s.room) return out;
  const pcs = [...s.room.subs.values()].map((x) => x.pc).concat([s.room.pub?.pc]).filter(Boolean);
  for (const pc of pcs) {
    const stats = await pc.getStats();
    for (const r of stats.values()) {
      const dir = r.type === "inbound-rtp" ? "in" : r.type === "outbound-rtp" ? "out" : null;
      if (!dir || !["audio", "video"].includes(r.kind)) continue;
      const bucket = out[`${dir}_${r.kind}`];
      for (const n of Object.keys(bucket)) bucket[n] += typeof r[n] === "number" ? r[n] : 0;
      if (r.kind === "video" && dir === "in" && r.frameWidth) bucket.frameWidth = r.frameWidth;
      const codec = r.codecId && stats.get(r.codecId);
      if (codec) out.codecs.push(`${dir} ${codec.mimeType} ${codec.sdpFmtpLine || ""}`.trim());
    }
  }
  out.codecs = [...new Set(out.codecs)].sort();
  // RFC 2198 RED (sdk/red.js: getStats names the codec Opus either way): sent, and received on every subscription
  out.red = { sent: !!s.room.pub?.red, copies: s.room.pub?.redCopies || 0,
    received: s.room.subs.size > 0 && [...s.room.subs.values()].every((x) => !!x.red) };
  return out;
}"""


def delta(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """The counters of ``b`` minus those of ``a`` (two DETAIL results of one page), per group, plus a few ratios
    that explain the figures: Opus FEC used per lost packet, concealed share, mean audio/video buffer delay, mean
    freeze length. Gauges (frameWidth), the codecs and the RED flags are taken from ``b``."""
    out: dict[str, Any] = {"seconds": round(max(1e-3, (b["t_ms"] - a["t_ms"]) / 1000), 3),
                           "codecs": list(b.get("codecs", [])), "red": b.get("red")}
    for group in ("in_audio", "in_video", "out_audio", "out_video"):
        before, after = a.get(group, {}), b.get(group, {})
        d = {k: round(after[k] - before.get(k, 0), 4) for k in after if k != "frameWidth"}
        if "frameWidth" in after:
            d["frameWidth"] = after["frameWidth"]
        out[group] = d
    au, vi = out["in_audio"], out["in_video"]
    lost = au.get("packetsLost", 0)
    out["audio_fec_per_lost"] = round(au.get("fecPacketsReceived", 0) / lost, 3) if lost > 0 else None
    samples = au.get("totalSamplesReceived", 0)
    out["audio_concealed_share"] = round(au.get("concealedSamples", 0) / samples, 4) if samples > 0 else None
    for name, group in (("audio_buffer_ms", au), ("video_buffer_ms", vi)):
        emitted = group.get("jitterBufferEmittedCount", 0)
        out[name] = round(1000 * group.get("jitterBufferDelay", 0) / emitted, 1) if emitted > 0 else None
    freezes = vi.get("freezeCount", 0)
    out["mean_freeze_ms"] = round(1000 * vi.get("totalFreezesDuration", 0) / freezes, 1) if freezes > 0 else None
    return out
