"""The figures of ``souk bench links`` from getStats snapshots: pure, unit-tested.

A page's snapshot sums its receiving peer connections' ``inbound-rtp`` counters (W3C webrtc-stats) and takes
its nominated candidate pair's round trip. Over a window between two snapshots of one receiving side:

- video freeze ratio: delta ``totalFreezesDuration`` / window (a freeze as W3C defines it, counted by Chromium
  when the next frame renders); a window without a single new frame is frozen throughout (ratio 1);
- audio concealment ratio: delta ``concealedSamples`` / delta ``totalSamplesReceived``;
- audio loss before repair: lost / (received + lost); after repair: (lost - FEC packets used, >= 0) / same, FEC
  used being ``fecPacketsReceived - fecPacketsDiscarded`` (NetEq counts every FEC/RED copy it got, and
  discards those whose packet arrived too);
- MOS: souk.domain.quality.mos (E-model, Opus) with the share of the audio the listener did not hear (the
  concealment ratio: the loss that remains after every repair, FEC or RED, as the E-model's Ppl means it), the
  voice path's round trip (both legs: the shopper's and the seller's to Janus) and the receiver's measured
  jitter-buffer delay (``jitterBufferDelay / jitterBufferEmittedCount``) in place of the model's 2 x jitter
  (a playout buffer raised for video repair delays audio too, to stay in sync: that delay counts);
  ``mos_packets``: the same from the packet counters (the ops dashboard's loss after repair).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from souk.domain.quality import mos


@dataclass(frozen=True, slots=True)
class Snapshot:
    t_ms: float
    frames_decoded: int = 0
    freeze_count: int = 0
    freezes_s: float = 0.0
    audio_received: int = 0
    audio_lost: int = 0
    audio_fec: int = 0
    audio_fec_discarded: int = 0
    concealed: int = 0
    samples: int = 0
    audio_buffer_s: float = 0.0  # sum of jitterBufferDelay
    audio_emitted: int = 0  # jitterBufferEmittedCount
    jitter_s: float | None = None
    rtt_s: float | None = None

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Snapshot:
        return cls(**{k: raw[k] for k in cls.__slots__ if k in raw and raw[k] is not None})  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Window:
    """One receiving side over a window of a call."""

    seconds: float
    frames: int
    video_freeze_ratio: float
    freezes: int
    audio_concealment_ratio: float | None
    audio_loss_pct: float | None
    audio_loss_after_repair_pct: float | None
    jitter_ms: float | None
    rtt_ms: float | None  # this side's leg to Janus
    audio_buffer_ms: float | None = None  # mean time an audio sample waited in the jitter buffer

    def _jitter_term(self) -> float:
        """What souk.domain.quality.mos doubles into its jitter-buffer delay: half the measured buffer when
        there is one, else the receiver's jitter."""
        return self.audio_buffer_ms / 2 if self.audio_buffer_ms is not None else (self.jitter_ms or 0.0)

    def mos(self, path_rtt_ms: float) -> float | None:
        """The E-model with the concealed share of the audio as its loss: what the listener did not hear,
        whatever repaired the rest (Opus in-band FEC, RED)."""
        if self.audio_concealment_ratio is None:
            return None
        return mos(path_rtt_ms, self._jitter_term(), 100 * self.audio_concealment_ratio)

    def mos_packets(self, path_rtt_ms: float) -> float | None:
        """The E-model with the loss after repair from the packet counters (the ops dashboard's)."""
        if self.audio_loss_after_repair_pct is None:
            return None
        return mos(path_rtt_ms, self._jitter_term(), self.audio_loss_after_repair_pct)


def window(a: Snapshot, b: Snapshot) -> Window:
    seconds = max(1e-3, (b.t_ms - a.t_ms) / 1000)
    received = b.audio_received - a.audio_received
    lost = max(0, b.audio_lost - a.audio_lost)
    fec = max(0, (b.audio_fec - a.audio_fec) - (b.audio_fec_discarded - a.audio_fec_discarded))  # FEC used
    emitted = b.audio_emitted - a.audio_emitted
    expected = received + lost
    samples = b.samples - a.samples
    frames = b.frames_decoded - a.frames_decoded
    return Window(
        seconds=round(seconds, 3), frames=frames,
        video_freeze_ratio=round(min(1.0, max(0.0, b.freezes_s - a.freezes_s) / seconds), 4) if frames > 0 else 1.0,
        freezes=b.freeze_count - a.freeze_count,
        audio_concealment_ratio=round((b.concealed - a.concealed) / samples, 4) if samples > 0 else None,
        audio_loss_pct=round(100 * lost / expected, 2) if expected > 0 else None,
        audio_loss_after_repair_pct=round(100 * max(0, lost - fec) / expected, 2) if expected > 0 else None,
        jitter_ms=round(b.jitter_s * 1000, 1) if b.jitter_s is not None else None,
        rtt_ms=round(b.rtt_s * 1000, 1) if b.rtt_s is not None else None,
        audio_buffer_ms=round(1000 * (b.audio_buffer_s - a.audio_buffer_s) / emitted, 1) if emitted > 0 else None)


def path_rtt_ms(sides: Sequence[Window]) -> float:
    """The voice path's round trip: the sum of both legs to Janus (a leg without a figure counts 0)."""
    return round(sum(w.rtt_ms or 0.0 for w in sides), 1)


def freeze_events(samples: Sequence[Snapshot]) -> list[tuple[float, float]]:
    """The W3C freezes that ended between consecutive snapshots of one side, as (seconds from the first
    snapshot to the one that counted it, seconds frozen); several ending in one interval share its entry."""
    out: list[tuple[float, float]] = []
    for a, b in pairwise(samples):
        if b.freeze_count > a.freeze_count:
            out.append((round((b.t_ms - samples[0].t_ms) / 1000, 2), round(b.freezes_s - a.freezes_s, 3)))
    return out


def recovery_ms(samples: Sequence[tuple[float, Snapshot, Snapshot]], outage_end_ms: float) -> float | None:
    """Milliseconds from the end of an outage until both sides decode new video frames and receive new
    audio, from (time, side 1, side 2) samples polled through it; None if they never did."""
    base = next((s for s in samples if s[0] >= outage_end_ms), None)
    if base is None:
        return None
    _, b1, b2 = base
    for t, s1, s2 in samples:
        if t < outage_end_ms:
            continue
        if (s1.frames_decoded > b1.frames_decoded and s2.frames_decoded > b2.frames_decoded
                and s1.audio_received > b1.audio_received and s2.audio_received > b2.audio_received):
            return round(t - outage_end_ms, 1)
    return None


def summary(cells: Sequence[Mapping[str, Any]], outages: Sequence[Mapping[str, Any]], timeout_ms: float
            ) -> dict[str, float | None]:
    """The issue's summary keys over the matrix (a cell that failed counts as its worst: MOS 1, freeze ratio 1,
    recovery at the timeout)."""
    def worst(loss: float, key: str, bad: float, pick: Any) -> float | None:
        vals = [c[key] if c.get(key) is not None else bad for c in cells if c["loss"] == loss]
        return pick(vals) if vals else None

    recov = [o["recovery_after_outage_ms"] if o.get("recovery_after_outage_ms") is not None else timeout_ms
             for o in outages]
    return {"min_audio_mos_at_30pct_loss": worst(0.30, "audio_mos", 1.0, min),
            "min_audio_mos_packets_at_30pct_loss": worst(0.30, "audio_mos_packets", 1.0, min),
            "max_video_freeze_ratio_at_5pct_loss": worst(0.05, "video_freeze_ratio", 1.0, max),
            "max_recovery_after_outage_ms": max(recov) if recov else None}
