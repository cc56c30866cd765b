"""The audio tap's decoding (souk.media.tap.OpusStream): RTP Opus packets -> 16 kHz PCM with the stream time
from the RTP clock; duplicates and older packets dropped; a lost packet leaves a gap in time."""

from __future__ import annotations

import fractions

import av
import numpy as np
from aiortc.rtp import RtpPacket

from souk.media.tap import OpusStream


def opus_packets(seconds: float, freq: float = 440.0) -> list[bytes]:
    enc = av.CodecContext.create("libopus", "w")
    enc.sample_rate = 48000
    enc.layout = "stereo"
    enc.format = "s16"
    enc.time_base = fractions.Fraction(1, 48000)
    out: list[bytes] = []
    n = int(seconds * 50)
    for i in range(n):
        t = (np.arange(960) + i * 960) / 48000
        tone = (np.sin(2 * np.pi * freq * t) * 12000).astype("<i2")
        frame = av.AudioFrame.from_ndarray(np.repeat(tone, 2)[None, :], format="s16", layout="stereo")
        frame.sample_rate = 48000
        frame.pts = i * 960
        out.extend(bytes(p) for p in enc.encode(frame))
    return out


def rtp(payload: bytes, seq: int, ts: int) -> bytes:
    p = RtpPacket(payload_type=111, sequence_number=seq & 0xFFFF, timestamp=ts & 0xFFFFFFFF, ssrc=1234)
    p.payload = payload
    return p.serialize()


def test_packets_decode_to_16khz_chunks_timed_by_rtp() -> None:
    frames = opus_packets(1.0)
    s = OpusStream()
    chunks = []
    base_ts = 0xFFFFFFFF - 960 * 10  # the timestamp wraps inside the stream
    for i, f in enumerate(frames):
        if i == 20:
            continue  # lost
        chunks += s.packet(rtp(f, 65530 + i, base_ts + i * 960))
    assert s.packets == len(frames) - 1
    pcm = b"".join(c.pcm for c in chunks)
    assert 0.9 * 16000 * 2 * 0.98 < len(pcm) <= 16000 * 2 * 1.02
    assert np.abs(np.frombuffer(pcm, "<i2")).mean() > 1000  # the tone, not silence
    times = [c.at_ms for c in chunks]
    assert times == sorted(times) and times[0] == 0
    assert 21 * 20 in times and 20 * 20 not in times  # the gap where packet 20 was lost
    assert max(times) == (len(frames) - 1) * 20


def test_duplicates_older_packets_and_garbage_are_dropped() -> None:
    frames = opus_packets(0.2)
    s = OpusStream()
    assert s.packet(rtp(frames[0], 10, 0))
    assert s.packet(rtp(frames[1], 11, 960))
    assert s.packet(rtp(frames[1], 11, 960)) == []  # duplicate
    assert s.packet(rtp(frames[0], 10, 0)) == []  # older
    assert s.packet(b"\x00\x01") == []  # not RTP
    assert s.late == 2 and s.packets == 2
