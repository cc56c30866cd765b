"""The aiortc bots' pure parts: the frame counter survives VP8, and the private aiortc bits are still there."""

from __future__ import annotations

import fractions
from importlib.metadata import version

import pytest
from aiortc.codecs import get_decoder, get_encoder
from aiortc.codecs.vpx import VpxPayloadDescriptor
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from souk.bench.bots import check_aiortc_internals, counter_frame, read_counter


@pytest.mark.parametrize("n", [0, 1, 255, 4660, 65535])
def test_counter_roundtrip_raw(n: int) -> None:
    assert read_counter(counter_frame(n)) == n


def test_counter_survives_vp8() -> None:
    codec = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)
    encoder, decoder = get_encoder(codec), get_decoder(codec)
    seen = []
    for n in range(12):
        frame = counter_frame(1000 + n)
        frame.pts, frame.time_base = n * 3000, fractions.Fraction(1, 90000)
        payloads, _ = encoder.encode(frame, force_keyframe=(n == 0))
        data = b"".join(VpxPayloadDescriptor.parse(p)[1] for p in payloads)
        for out in decoder.decode(JitterFrame(data=data, timestamp=n * 3000)):
            seen.append(read_counter(out))
    assert seen == [1000 + n for n in range(12)]


def test_aiortc_is_the_pinned_version_and_internals_exist() -> None:
    assert version("aiortc") == "1.16.0"  # bots use private attributes: re-check them before upgrading
    check_aiortc_internals()
