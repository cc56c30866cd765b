"""Call quality (docs/quality.md): what a browser reports, the per-participant record built from its reports,
the E-model MOS and the W3C freeze definition. Pure: no I/O, no clock (times come in as arguments).

A browser uploads a *report* every few seconds while it is in a call or a show: cumulative counters since it
joined (souk/web/static/sdk/quality.js sums them over its peer connections, closed ones included), plus the
latest round-trip time and jitter. ``merge`` folds a report into the participant's *record* (one per merchant,
room, identity and join session): counters are replaced (they are cumulative), RTT, jitter and bitrates become
means over the reports, and the derived figures (loss before/after repair, freeze ratio, concealment, MOS) are
computed again from the counters, so a lost upload loses nothing but one RTT sample.

Definitions (the W3C webrtc-stats ones where they exist):
- loss before repair: packets missing when first expected. Video: (packetsLost + retransmittedPacketsReceived)
  / (packetsReceived + packetsLost); audio: packetsLost / (packetsReceived + packetsLost).
- loss after repair: what NACK/RTX (video) or Opus in-band FEC (audio) did not bring back. Video: packetsLost /
  expected; audio: (packetsLost - fecPacketsReceived, at least 0) / expected.
- freeze (W3C, inbound-rtp freezeCount / totalFreezesDuration): an interval between two rendered frames longer
  than max(3 x the mean of the previous 30 intervals, that mean + 150 ms); ``count_freezes`` applies it to frame
  times for peers that have no such counter. Freeze ratio = totalFreezesDuration / time since the first frame.
- audio concealment ratio: concealedSamples / totalSamplesReceived.
- MOS: ITU-T G.107 E-model (``mos``) from mean RTT, jitter and the audio loss after repair.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from souk.core.errors import BadRequest

# ---------------------------------------------------------------- limits of a report (the API schema uses them)

MAX_REPORT_BYTES = 8192  # a report's JSON body; larger: 413 report_too_large
MAX_ELAPSED_MS = 24 * 3600 * 1000  # a participant's join lasts at most a day
MAX_COUNTER = 2**40  # packets, samples
MAX_RTT_MS = 60_000.0
MAX_JITTER_MS = 60_000.0
MAX_KBPS = 1_000_000.0
MAX_EVENTS = 1_000_000  # freezes, layer switches, concealment events
SESSION_PATTERN = r"^[A-Za-z0-9_\-]{8,64}$"
WORD_PATTERN = r"^[A-Za-z0-9_.\-/]{1,64}$"
NETWORKS = ("wifi", "cellular", "ethernet", "other", "unknown")
FAILURES = ("ice_failed", "no_media", "publish_failed", "subscribe_failed", "signaling_failed")
ROLES = ("shopper", "seller", "host", "cohost", "viewer", "agent", "other")

# ---------------------------------------------------------------- the W3C freeze definition


def is_freeze(interval_ms: float, mean_ms: float) -> bool:
    """An inter-frame interval is a freeze when it exceeds max(3 x mean, mean + 150 ms), the mean being that of
    the previous 30 intervals (W3C webrtc-stats, freezeCount)."""
    return interval_ms > max(3.0 * mean_ms, mean_ms + 150.0)


def count_freezes(frame_times_ms: Sequence[float], *, window: int = 30) -> tuple[int, float]:
    """(freezeCount, totalFreezesDuration in ms) of rendered frames at ``frame_times_ms`` (ascending)."""
    intervals = [b - a for a, b in itertools.pairwise(frame_times_ms)]
    count, total = 0, 0.0
    for i, gap in enumerate(intervals):
        previous = intervals[max(0, i - window):i]
        if not previous:
            continue
        if is_freeze(gap, sum(previous) / len(previous)):
            count += 1
            total += gap
    return count, total


# ---------------------------------------------------------------- E-model (ITU-T G.107, simplified defaults)

# (equipment impairment Ie, packet-loss robustness Bpl) per audio codec, with packet loss concealment:
# G.113 Appendix I for G.711; Opus has no G.113 entry: the values used by common WebRTC monitors.
CODECS: dict[str, tuple[float, float]] = {"opus": (0.0, 20.0), "pcmu": (0.0, 25.1), "pcma": (0.0, 25.1),
                                          "g722": (0.0, 25.1)}
R_DEFAULT = 93.2  # R0 - Is with every other G.107 parameter at its default
CODEC_DELAY_MS = 20.0  # one frame of packetisation


def r_factor(rtt_ms: float, jitter_ms: float, loss_pct: float, codec: str = "opus", burst_ratio: float = 1.0) -> float:
    """The E-model's R: one-way delay = RTT / 2 + a jitter buffer of 2 x jitter + one codec frame."""
    ie, bpl = CODECS[codec]
    d = max(0.0, rtt_ms) / 2 + 2 * max(0.0, jitter_ms) + CODEC_DELAY_MS
    i_d = 0.024 * d + (0.11 * (d - 177.3) if d > 177.3 else 0.0)
    ppl = min(100.0, max(0.0, loss_pct))
    ie_eff = ie + (95.0 - ie) * ppl / (ppl / max(burst_ratio, 1e-9) + bpl)
    return R_DEFAULT - i_d - ie_eff


def r_to_mos(r: float) -> float:
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6


def mos(rtt_ms: float, jitter_ms: float, loss_pct: float, codec: str = "opus", burst_ratio: float = 1.0) -> float:
    """MOS-CQE (1..4.5) of a voice path. ``loss_pct`` is the loss the listener hears (after FEC); an unknown codec
    is a KeyError (``mos_or_none`` answers None instead)."""
    return round(r_to_mos(r_factor(rtt_ms, jitter_ms, loss_pct, codec, burst_ratio)), 2)


def mos_or_none(rtt_ms: float | None, jitter_ms: float | None, loss_pct: float | None, codec: str) -> float | None:
    if loss_pct is None or codec not in CODECS:
        return None
    return mos(rtt_ms or 0.0, jitter_ms or 0.0, loss_pct, codec)


# ---------------------------------------------------------------- a browser's report


@dataclass(frozen=True, slots=True)
class AudioCounters:
    packets_received: int = 0
    packets_lost: int = 0
    fec_packets_received: int = 0
    concealed_samples: int = 0
    total_samples_received: int = 0
    concealment_events: int = 0


@dataclass(frozen=True, slots=True)
class VideoCounters:
    packets_received: int = 0
    packets_lost: int = 0
    retransmitted_packets_received: int = 0
    frames_decoded: int = 0
    freeze_count: int = 0
    total_freezes_duration_ms: float = 0.0
    video_ms: float = 0.0  # time since the first decoded frame: the freeze ratio's denominator
    layer_switches: int = 0  # changes of the received resolution (simulcast layer / adaptation)


@dataclass(frozen=True, slots=True)
class Report:
    session_id: str
    room_id: str
    seq: int
    elapsed_ms: float
    first_frame_ms: float | None = None
    failure: str | None = None
    network: str = "unknown"
    timezone: str = ""  # the browser's IANA time zone (Intl): its area is the region when the token has none
    codec: str = "opus"
    rtt_ms: float | None = None
    jitter_ms: float | None = None
    in_kbps: float = 0.0
    out_kbps: float = 0.0
    audio: AudioCounters | None = None
    video: VideoCounters | None = None


def tz_region(timezone: str) -> str:
    """The area of an IANA time zone (``Asia/Jakarta`` -> ``Asia``); '' for none or ``UTC``/``Etc/...``."""
    area = timezone.split("/", 1)[0] if "/" in timezone else ""
    return "" if area in ("", "Etc") else area[:32]


def _bad(message: str, field_name: str) -> BadRequest:
    return BadRequest(message, code="bad_report", details={"field": field_name})


def check_report(r: Report) -> Report:
    """Consistency the schema cannot state (ranges are the schema's): BadRequest ``bad_report`` naming the field."""
    if not re.fullmatch(SESSION_PATTERN, r.session_id):
        raise _bad("session must be 8-64 letters, digits, '_' or '-'", "session")
    if r.first_frame_ms is not None and r.first_frame_ms > r.elapsed_ms:
        raise _bad("first_frame_ms is later than elapsed_ms", "first_frame_ms")
    if r.network not in NETWORKS:
        raise _bad(f"network must be one of {', '.join(NETWORKS)}", "network")
    if r.failure is not None and r.failure not in FAILURES:
        raise _bad(f"failure must be one of {', '.join(FAILURES)}", "failure")
    for name in ("rtt_ms", "jitter_ms", "in_kbps", "out_kbps", "elapsed_ms"):
        v = getattr(r, name)
        if v is not None and not math.isfinite(v):
            raise _bad(f"{name} must be a finite number", name)
    a, v = r.audio, r.video
    if a is not None and a.concealed_samples > a.total_samples_received:
        raise _bad("audio.concealed_samples exceeds audio.total_samples_received", "audio.concealed_samples")
    if v is not None:
        if v.video_ms > r.elapsed_ms + 1000:
            raise _bad("video.video_ms is longer than elapsed_ms", "video.video_ms")
        if v.total_freezes_duration_ms > v.video_ms + 1000:
            raise _bad("video.total_freezes_duration_ms is longer than video.video_ms",
                       "video.total_freezes_duration_ms")
    return r


# ---------------------------------------------------------------- the record


@dataclass(frozen=True, slots=True)
class Participant:
    """Who reports, from the token and the room (never from the report's body)."""

    merchant_id: str
    identity: str
    role: str
    kind: str  # the room's kind: consult, live, voice, or other
    region: str = ""  # the token's region/country when it carries one; else the report's (browser time zone)


@dataclass(frozen=True, slots=True)
class QualityRecord:
    merchant_id: str
    room_id: str
    session_id: str
    identity: str
    role: str
    kind: str
    region: str
    network: str
    started_at: float  # wall time of the join (s): the first report's arrival minus its elapsed_ms
    updated_at: float
    reports: int = 0
    last_seq: int = -1
    elapsed_ms: float = 0.0
    first_frame_ms: float | None = None
    failure: str | None = None
    codec: str = "opus"
    rtt_ms: float | None = None  # mean of the reports' RTTs
    rtt_max_ms: float | None = None
    rtt_samples: int = 0
    jitter_ms: float | None = None
    jitter_samples: int = 0
    in_kbps: float = 0.0  # mean over reports
    out_kbps: float = 0.0
    audio: AudioCounters | None = None
    video: VideoCounters | None = None
    server: dict[str, Any] = field(default_factory=dict)  # Janus's view (event handler), per medium

    # -- derived figures, from the counters
    @property
    def audio_loss_before(self) -> float | None:
        a = self.audio
        expected = a.packets_received + a.packets_lost if a else 0
        return a.packets_lost / expected if a and expected else None

    @property
    def audio_loss_after(self) -> float | None:
        a = self.audio
        expected = a.packets_received + a.packets_lost if a else 0
        return max(0, a.packets_lost - a.fec_packets_received) / expected if a and expected else None

    @property
    def video_loss_before(self) -> float | None:
        v = self.video
        expected = v.packets_received + v.packets_lost if v else 0
        return min(1.0, (v.packets_lost + v.retransmitted_packets_received) / expected) if v and expected else None

    @property
    def video_loss_after(self) -> float | None:
        v = self.video
        expected = v.packets_received + v.packets_lost if v else 0
        return v.packets_lost / expected if v and expected else None

    @property
    def freeze_ratio(self) -> float | None:
        v = self.video
        if v is None or v.video_ms <= 0:
            return None
        return min(1.0, v.total_freezes_duration_ms / v.video_ms)

    @property
    def concealment_ratio(self) -> float | None:
        a = self.audio
        if a is None or a.total_samples_received <= 0:
            return None
        return a.concealed_samples / a.total_samples_received

    @property
    def mos(self) -> float | None:
        """E-model MOS from the mean RTT and jitter and the loss heard: the concealment ratio when the browser
        counts samples, else the audio loss after FEC."""
        heard = self.concealment_ratio
        if heard is None:
            heard = self.audio_loss_after
        return mos_or_none(self.rtt_ms, self.jitter_ms, None if heard is None else heard * 100, self.codec)

    @property
    def failed(self) -> bool:
        return self.failure is not None

    @property
    def ended_at(self) -> float:
        return self.started_at + self.elapsed_ms / 1000


def _mean(mean: float | None, n: int, x: float | None) -> tuple[float | None, int]:
    if x is None:
        return mean, n
    if mean is None or n == 0:
        return x, 1
    return mean + (x - mean) / (n + 1), n + 1


def merge(record: QualityRecord | None, report: Report, who: Participant, now: float) -> QualityRecord | None:
    """The record after ``report`` arrived at wall time ``now``; None when the report is one already folded in
    (its seq is not newer: a retried upload), so the caller stores nothing."""
    check_report(report)
    if record is None:
        record = QualityRecord(
            merchant_id=who.merchant_id, room_id=report.room_id, session_id=report.session_id,
            identity=who.identity, role=who.role, kind=who.kind, region=who.region or tz_region(report.timezone),
            network=report.network, started_at=now - report.elapsed_ms / 1000, updated_at=now)
    elif report.seq <= record.last_seq:
        return None
    rtt, rtt_n = _mean(record.rtt_ms, record.rtt_samples, report.rtt_ms)
    jitter, jitter_n = _mean(record.jitter_ms, record.jitter_samples, report.jitter_ms)
    n = record.reports
    rtt_max = record.rtt_max_ms if report.rtt_ms is None else max(record.rtt_max_ms or 0.0, report.rtt_ms)
    return replace(
        record, updated_at=now, reports=n + 1, last_seq=report.seq,
        elapsed_ms=max(record.elapsed_ms, report.elapsed_ms),
        first_frame_ms=record.first_frame_ms if record.first_frame_ms is not None else report.first_frame_ms,
        failure=record.failure or report.failure, network=report.network if report.network != "unknown"
        else record.network, codec=report.codec, rtt_ms=rtt, rtt_samples=rtt_n, rtt_max_ms=rtt_max,
        jitter_ms=jitter, jitter_samples=jitter_n,
        in_kbps=record.in_kbps + (report.in_kbps - record.in_kbps) / (n + 1),
        out_kbps=record.out_kbps + (report.out_kbps - record.out_kbps) / (n + 1),
        audio=report.audio if report.audio is not None else record.audio,
        video=report.video if report.video is not None else record.video)


def with_server_stats(record: QualityRecord, medium: str, stats: dict[str, Any]) -> QualityRecord:
    """The record with Janus's latest media stats for ``medium`` (``audio``/``video``) beside the browser's."""
    return replace(record, server={**record.server, medium: stats})
