"""What a cheap (non-decoding) bench viewer needs, as pure functions: the answer to Janus's offer, and the
counting and timing of RTP from its clear headers.

SRTP encrypts only an RTP packet's payload: sequence number, timestamp, SSRC and marker bit stay readable, so a
viewer can count packets, find losses and time each video frame's arrival without keys or a decoder.

- :func:`answer_sdp`: a recvonly answer to Janus's subscriber offer (first codec of each m-line, BUNDLE,
  rtcp-mux, our ICE credentials, one host candidate, ``setup:passive``: Janus is the DTLS client, so its
  ClientHello goes out only once its ICE pair works and no first handshake flight is lost).
- :class:`SeqCounter`: RFC 3550 A.1 style received / expected / lost over the 16-bit wrap.
- :class:`FrameClock`: a video frame's arrival is its marker packet's; its lag is ``arrival - rtp_ts / 90 kHz``
  less the smallest such value seen by that viewer (Janus rebases timestamps per subscriber, so the constant
  offset is unknown; the fastest frame sets it). Frames paced late by the publisher lag for every viewer alike;
  a viewer's own stalls show as its lag alone. Inter-frame gaps are judged with the W3C freeze rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from souk.core.stats import percentile
from souk.domain.quality import is_freeze

VIDEO_CLOCK_HZ = 90_000
FREEZE_WINDOW = 30
MAX_LAGS = 20_000  # per viewer between two drains: the bench drains every few seconds


class BadOffer(ValueError):
    """Janus's offer lacks what a cheap viewer needs (ICE credentials, a media section)."""


@dataclass(frozen=True, slots=True)
class Media:
    kind: str  # "audio", "video", or another m= type (rejected in the answer)
    mid: str
    payload_type: int | None  # the first offered codec, or None when the section is rejected
    rtpmap: str
    fmtp: str


@dataclass(frozen=True, slots=True)
class Offer:
    ice_ufrag: str
    ice_pwd: str
    candidates: tuple[tuple[str, int], ...]  # UDP host/srflx addresses Janus offered
    media: tuple[Media, ...]


def parse_offer(sdp: str) -> Offer:
    """The parts of Janus's offer a cheap viewer answers to."""
    session: dict[str, str] = {}
    sections: list[tuple[str, list[str], dict[str, str]]] = []
    candidates: list[tuple[str, int]] = []
    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            sections.append((line[2:], [], {}))
            continue
        if not line.startswith("a="):
            continue
        attr = line[2:]
        name, _, value = attr.partition(":")
        if name == "candidate":
            parts = value.split()
            if len(parts) >= 6 and parts[2].lower() == "udp":
                candidates.append((parts[4], int(parts[5])))
            continue
        if sections:
            sections[-1][1].append(attr)
            sections[-1][2].setdefault(name, value)
        else:
            session.setdefault(name, value)
    media: list[Media] = []
    for mline, attrs, first in sections:
        parts = mline.split()
        if len(parts) < 4:
            raise BadOffer(f"bad m= line: {mline!r}")
        kind, port, fmts = parts[0], parts[1], parts[3:]
        mid = first.get("mid", str(len(media)))
        pt = int(fmts[0]) if kind in ("audio", "video") and port != "0" and fmts[0].isdigit() else None
        rtpmap = fmtp = ""
        if pt is not None:
            rtpmap = next((a.split(" ", 1)[1] for a in attrs if a.startswith(f"rtpmap:{pt} ")), "")
            fmtp = next((a.split(" ", 1)[1] for a in attrs if a.startswith(f"fmtp:{pt} ")), "")
        media.append(Media(kind, mid, pt, rtpmap, fmtp))
    merged = {**session, **(sections[0][2] if sections else {})}
    if not merged.get("ice-ufrag") or not merged.get("ice-pwd"):
        raise BadOffer("the offer carries no ice-ufrag / ice-pwd")
    if not any(m.payload_type is not None for m in media):
        raise BadOffer("the offer has no audio or video section to receive")
    if not candidates:
        raise BadOffer("the offer carries no UDP candidate (Janus half-trickle puts its own in the SDP)")
    return Offer(merged["ice-ufrag"], merged["ice-pwd"], tuple(candidates), tuple(media))


def first_payload_type(sdp: str, kind: str) -> int | None:
    """The first payload type of the first ``kind`` m-line of ``sdp`` (a negotiated answer's codec), or None."""
    for line in sdp.splitlines():
        parts = line.strip().split()
        if len(parts) >= 4 and parts[0] == f"m={kind}" and parts[1] != "0" and parts[3].isdigit():
            return int(parts[3])
    return None


def answer_sdp(offer: Offer, *, ufrag: str, pwd: str, fingerprint: str, host: str, port: int,
               session_id: int) -> str:
    """A recvonly, bundled answer; ``fingerprint`` is ``"sha-256 AB:CD:..."``."""
    accepted = [m for m in offer.media if m.payload_type is not None]
    lines = ["v=0", f"o=- {session_id} 2 IN IP4 {host}", "s=-", "t=0 0",
             "a=group:BUNDLE " + " ".join(m.mid for m in accepted), "a=msid-semantic: WMS"]
    first = True
    for m in offer.media:
        if m.payload_type is None:
            lines += [f"m={m.kind} 0 UDP/TLS/RTP/SAVPF 0", "c=IN IP4 0.0.0.0", f"a=mid:{m.mid}", "a=inactive"]
            continue
        lines += [f"m={m.kind} {port if first else 9} UDP/TLS/RTP/SAVPF {m.payload_type}", f"c=IN IP4 {host}",
                  f"a=mid:{m.mid}", "a=recvonly", "a=rtcp-mux", f"a=ice-ufrag:{ufrag}", f"a=ice-pwd:{pwd}",
                  f"a=fingerprint:{fingerprint}", "a=setup:passive", f"a=rtpmap:{m.payload_type} {m.rtpmap}"]
        if m.fmtp:
            lines.append(f"a=fmtp:{m.payload_type} {m.fmtp}")
        if first:
            lines += [f"a=candidate:1 1 udp 2130706431 {host} {port} typ host", "a=end-of-candidates"]
            first = False
    return "\r\n".join(lines) + "\r\n"


# ------------------------------------------------------------------ counting


class SeqCounter:
    """Received / expected / lost of one RTP stream, across the 16-bit sequence wrap (RFC 3550 A.1, without
    its probation and resync: Janus keeps a subscriber's sequence continuous)."""

    __slots__ = ("_expected_prior", "_received_prior", "base", "cycles", "max_seq", "received")

    def __init__(self) -> None:
        self.base = -1
        self.max_seq = 0
        self.cycles = 0
        self.received = 0
        self._expected_prior = 0
        self._received_prior = 0

    def add(self, seq: int) -> None:
        self.received += 1
        if self.base < 0:
            self.base = self.max_seq = seq
            return
        if (seq - self.max_seq) & 0xFFFF < 0x8000:  # ahead (maybe past a gap): a late one is behind
            if seq < self.max_seq:
                self.cycles += 0x10000
            self.max_seq = seq

    @property
    def expected(self) -> int:
        return 0 if self.base < 0 else self.cycles + self.max_seq - self.base + 1

    @property
    def lost(self) -> int:
        return max(0, self.expected - self.received)

    def report_block(self) -> tuple[int, int, int]:
        """(fraction lost in 1/256, cumulative lost, extended highest sequence number) for an RTCP receiver
        report block (RFC 3550 A.3); the fraction is over the interval since the previous call."""
        expected = self.expected
        expected_interval = expected - self._expected_prior
        lost_interval = expected_interval - (self.received - self._received_prior)
        self._expected_prior, self._received_prior = expected, self.received
        fraction = 0 if expected_interval <= 0 or lost_interval <= 0 else min(255, (lost_interval << 8)
                                                                              // expected_interval)
        return fraction, min(self.lost, 0x7FFFFF), (self.cycles + self.max_seq) & 0xFFFFFFFF


@dataclass(slots=True)
class FrameClock:
    """Arrival timing of one video stream's frames (marker packets), see the module docstring."""

    clock_hz: int = VIDEO_CLOCK_HZ
    frames: int = 0
    freezes: int = 0
    freeze_ms: float = 0.0
    max_gap_ms: float = 0.0
    min_offset_ms: float | None = None
    _raw: list[float] = field(default_factory=list)
    _last_ts: int | None = None
    _ts_high: int = 0
    _last_at_ms: float | None = None
    _gaps: list[float] = field(default_factory=list)

    def frame(self, rtp_ts: int, at_ms: float) -> None:
        """A marker packet with RTP timestamp ``rtp_ts`` arrived at ``at_ms`` (monotonic ms)."""
        if self._last_ts is not None:
            if rtp_ts < self._last_ts and self._last_ts - rtp_ts > 0x80000000:
                self._ts_high += 1 << 32  # wrapped forward
            elif rtp_ts > self._last_ts and rtp_ts - self._last_ts > 0x80000000:
                return  # a late marker from before a wrap: ignore it
        self._last_ts = rtp_ts
        offset = at_ms - (self._ts_high + rtp_ts) * 1000 / self.clock_hz
        if self.min_offset_ms is None or offset < self.min_offset_ms:
            self.min_offset_ms = offset
        if len(self._raw) < MAX_LAGS:
            self._raw.append(offset)
        self.frames += 1
        if self._last_at_ms is not None:
            gap = at_ms - self._last_at_ms
            self.max_gap_ms = max(self.max_gap_ms, gap)
            if len(self._gaps) >= 1:
                window = self._gaps[-FREEZE_WINDOW:]
                if is_freeze(gap, sum(window) / len(window)):
                    self.freezes += 1
                    self.freeze_ms += gap
            self._gaps.append(gap)
            if len(self._gaps) > 4 * FREEZE_WINDOW:
                del self._gaps[:-FREEZE_WINDOW]
        self._last_at_ms = at_ms

    def drain_lags(self) -> list[float]:
        """Each frame's lag (ms) since the last drain, over the fastest frame seen so far."""
        raw, self._raw = self._raw, []
        base = self.min_offset_ms or 0.0
        return [round(x - base, 2) for x in raw]


def lag_summary(lags: Sequence[float]) -> dict[str, float | None]:
    return {"p50": percentile(list(lags), 0.5), "p95": percentile(list(lags), 0.95),
            "max": max(lags) if lags else None}
