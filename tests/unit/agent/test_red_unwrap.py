"""The AI attendant's RED unwrapping (souk.agent.transports.red): aiortc has no RFC 2198 RED, so the receiver
of a RED feed hands its Opus decoder each packet's primary block. Real Opus frames from aiortc's encoder,
wrapped as Chromium wraps them (one redundant copy of the previous frame), come out as the frame itself and
decode; malformed payloads are refused; the wrapper sits on the receiver method aiortc really calls."""

from __future__ import annotations

import asyncio
import fractions
import inspect
import struct
from typing import Any

import av
import numpy as np
from aiortc.codecs import get_decoder, get_encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import RtpPacket

from souk.agent.transports.red import red_primary, unwrap_red

OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=63)


def red(primary: bytes, redundant: list[tuple[int, bytes]], pt: int = 63) -> bytes:
    """An RFC 2198 payload: (timestamp offset, block) redundant blocks, then the primary."""
    heads = b"".join(struct.pack("!BHB", 0x80 | pt, (off << 2) | (len(b) >> 8), len(b) & 0xFF)
                     for off, b in redundant)
    return heads + bytes([pt]) + b"".join(b for _, b in redundant) + primary


def opus_frames(n: int) -> list[bytes]:
    enc = get_encoder(OPUS)
    out = []
    for i in range(n):
        t = np.arange(960) + i * 960
        tone = (8000 * np.sin(2 * np.pi * 440 * t / 48000)).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]).T.reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = 48000, i * 960, fractions.Fraction(1, 48000)
        payloads, _ = enc.encode(frame)
        out.extend(payloads)
    return out


def test_the_primary_block_comes_out_and_decodes() -> None:
    frames = opus_frames(3)
    assert all(len(f) > 10 for f in frames)
    assert red_primary(red(frames[1], [(960, frames[0])])) == frames[1]
    assert red_primary(red(frames[2], [(1920, frames[0]), (960, frames[1])])) == frames[2]
    assert red_primary(red(frames[0], [])) == frames[0]  # the first packet: no redundancy yet
    dec = get_decoder(OPUS)
    from aiortc.jitterbuffer import JitterFrame

    pcm = dec.decode(JitterFrame(data=red_primary(red(frames[1], [(960, frames[0])])) or b"", timestamp=960))
    assert pcm and pcm[0].samples == 960


def test_malformed_payloads_are_refused() -> None:
    frame = opus_frames(1)[0]
    whole = red(frame, [(960, frame)])
    assert red_primary(b"") is None
    assert red_primary(whole[:3]) is None  # a header cut short
    assert red_primary(whole[:5] + frame[:4]) is None  # the redundant block is longer than what follows
    assert red_primary(bytes([0x80 | 63, 0, 0, 0])) is None  # no primary header


class FakeReceiver:
    def __init__(self) -> None:
        self.got: list[bytes] = []

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        self.got.append(packet.payload)


def test_the_receiver_decodes_primaries_and_drops_what_is_not_red() -> None:
    assert list(inspect.signature(RTCRtpReceiver._handle_rtp_packet).parameters) == \
        ["self", "packet", "arrival_time_ms"]  # the method aiortc's DTLS transport calls (aiortc pinned)
    frames = opus_frames(2)
    r: Any = FakeReceiver()
    seen = r.got
    unwrap_red(r)

    async def feed() -> None:
        for payload in (red(frames[0], []), red(frames[1], [(960, frames[0])]), bytes([0xFF, 1, 2]),
                        bytes([63])):
            await r._handle_rtp_packet(RtpPacket(payload_type=111, payload=payload), arrival_time_ms=0)

    asyncio.run(feed())
    assert seen == [frames[0], frames[1]]  # the not-RED packet dropped, the empty primary skipped
