"""The repair counters of a `souk bench links` cell (souk.bench.links_detail.delta, pure)."""

from __future__ import annotations

from typing import Any

import pytest

from souk.bench.links_detail import delta


def detail(t_ms: float, **groups: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {"t_ms": t_ms, "codecs": ["in audio/opus useinbandfec=1"]}
    for g in ("in_audio", "in_video", "out_audio", "out_video"):
        out[g] = dict(groups.get(g, {}))
    return out


def test_counts_over_the_window_and_the_ratios_that_explain_a_cell() -> None:
    a = detail(1_000, in_audio={"packetsLost": 10, "fecPacketsReceived": 4, "concealedSamples": 960,
                                "totalSamplesReceived": 48_000, "jitterBufferDelay": 2_000.0,
                                "jitterBufferEmittedCount": 48_000},
               in_video={"freezeCount": 1, "totalFreezesDuration": 0.3, "nackCount": 5, "frameWidth": 640,
                         "jitterBufferDelay": 1.0, "jitterBufferEmittedCount": 20})
    b = detail(11_000, in_audio={"packetsLost": 60, "fecPacketsReceived": 29, "concealedSamples": 48_960,
                                 "totalSamplesReceived": 528_000, "jitterBufferDelay": 26_000.0,
                                 "jitterBufferEmittedCount": 528_000},
               in_video={"freezeCount": 3, "totalFreezesDuration": 0.9, "nackCount": 25, "frameWidth": 320,
                         "jitterBufferDelay": 41.0, "jitterBufferEmittedCount": 220},
               out_video={"retransmittedPacketsSent": 7})
    b["red"] = {"sent": True, "copies": 2, "received": True}
    d = delta(a, b)
    assert d["seconds"] == 10.0 and d["codecs"] == ["in audio/opus useinbandfec=1"]
    assert d["red"] == {"sent": True, "copies": 2, "received": True}  # flags of the page now (sdk/red.js), not differences
    assert d["in_audio"]["packetsLost"] == 50 and d["in_video"]["nackCount"] == 20
    assert d["in_video"]["frameWidth"] == 320  # a gauge: the latest, not a difference
    assert d["out_video"]["retransmittedPacketsSent"] == 7
    assert d["audio_fec_per_lost"] == pytest.approx(0.5)
    assert d["audio_concealed_share"] == pytest.approx(0.1)
    assert d["audio_buffer_ms"] == pytest.approx(50.0) and d["video_buffer_ms"] == pytest.approx(200.0)
    assert d["mean_freeze_ms"] == pytest.approx(300.0)


def test_a_window_without_media_has_no_ratios() -> None:
    d = delta(detail(0), detail(2_000))
    assert d["audio_fec_per_lost"] is None and d["audio_concealed_share"] is None and d["red"] is None
    assert d["audio_buffer_ms"] is None and d["mean_freeze_ms"] is None
