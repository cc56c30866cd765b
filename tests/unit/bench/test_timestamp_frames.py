"""Timestamp frames (souk bench live): drawn, VP8-encoded and decoded with PyAV, read back exactly."""

from __future__ import annotations

import fractions

import av
import numpy as np
import pytest

from souk.bench.bots import (
    TS_HEIGHT,
    TS_WIDTH,
    TimestampVideoTrack,
    read_timestamp,
    timestamp_age_ms,
    timestamp_frame,
    ts_texture_at,
)


def _vp8_roundtrip(frames: list[av.VideoFrame], bit_rate: int) -> list[av.VideoFrame]:
    enc = av.CodecContext.create("libvpx", "w")
    enc.width, enc.height, enc.pix_fmt = TS_WIDTH, TS_HEIGHT, "yuv420p"
    enc.bit_rate = bit_rate
    enc.framerate = fractions.Fraction(30, 1)
    enc.time_base = fractions.Fraction(1, 30)
    dec = av.CodecContext.create("libvpx", "r")
    out: list[av.VideoFrame] = []
    for i, frame in enumerate(frames):
        frame.pts = i
        for packet in enc.encode(frame):
            out.extend(dec.decode(packet))
    for packet in enc.encode(None):
        out.extend(dec.decode(packet))
    return out


def test_stamps_survive_vp8_at_600_kbits() -> None:
    base = 1_790_000_000_123  # a 2026 wall clock in ms: above 2**32, so the wrap is exercised
    texture = TimestampVideoTrack()._texture
    stamps = [base + 33 * i + (i * 7919) % 1000 for i in range(60)]
    frames = [timestamp_frame(ms, i, noise=ts_texture_at(texture, i)) for i, ms in enumerate(stamps)]
    decoded = _vp8_roundtrip(frames, 600_000)
    assert len(decoded) == len(stamps)
    read = [read_timestamp(f) for f in decoded]
    assert read == [ms % (1 << 32) for ms in stamps]


def test_a_damaged_stamp_reads_as_none_not_a_wrong_time() -> None:
    frame = timestamp_frame(1_790_000_000_123)
    y = np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8).copy()
    y[:48, :64] = 255 - y[:48, :64]  # flip the first block (the stamp's most significant bit)
    uv = np.full((TS_HEIGHT // 2, TS_WIDTH), 128, dtype=np.uint8)
    damaged = av.VideoFrame.from_ndarray(np.vstack([y, uv]), format="yuv420p")
    assert read_timestamp(damaged) is None


@pytest.mark.parametrize(("stamp", "now", "age"), [(1000, 1250, 250), ((1 << 32) - 100, 50, 150)])
def test_age_across_the_wrap(stamp: int, now: int, age: int) -> None:
    assert timestamp_age_ms(stamp, now) == age


def test_the_track_content_codes_near_600_kbits_under_aiortcs_vp8_cap() -> None:
    """Fresh noise every frame would overshoot any cap (~3 Mbit/s); the scrolled texture must not."""
    from aiortc.codecs.vpx import Vp8Encoder

    enc = Vp8Encoder()
    enc.target_bitrate = 600_000
    texture = TimestampVideoTrack()._texture
    total = 0
    for i in range(90):  # 3 s at 30 fps
        frame = timestamp_frame(1_790_000_000_000 + 33 * i, i, noise=ts_texture_at(texture, i))
        frame.pts, frame.time_base = i * 3000, fractions.Fraction(1, 90000)
        payloads, _ = enc.encode(frame)
        total += sum(len(p) for p in payloads)
    kbps = total * 8 / 3 / 1000
    assert 300 < kbps < 900, kbps
