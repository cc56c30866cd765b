"""The streaming captioner: VAD-cut utterances, a partial every ~1 s of speech, a final at the end, in order,
with stream times; short bursts dropped; gaps counted as silence; a failing decode costs a partial only."""

from __future__ import annotations

import asyncio

import numpy as np

from souk.agent.captioner import CaptionConfig, Segment, StreamingCaptioner
from souk.agent.providers.base import SttResult

LOUD = (np.ones(512) * 8000).astype("<i2").tobytes()  # a "speech" window for the fake VAD
QUIET = bytes(1024)


class EnergyVad:
    window_samples = 512

    def probability(self, window: bytes) -> float:
        return 1.0 if np.abs(np.frombuffer(window, "<i2")).mean() > 1000 else 0.0

    def reset(self) -> None:
        pass


class CountingStt:
    """Says how many ms of audio it got: 'n ms'; ``fail`` makes every call raise."""

    def __init__(self, delay_s: float = 0.0, fail: bool = False) -> None:
        self.calls: list[int] = []
        self.delay_s, self.fail = delay_s, fail

    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        self.calls.append(len(pcm) // 32)
        await asyncio.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("decoder broke")
        return SttResult(f"{len(pcm) // 32} ms", language or "en", 1.0, len(pcm) / 32000, 0.0)

    async def aclose(self) -> None:
        pass


def windows(pattern: str) -> bytes:
    """'s' = 32 ms of speech, '.' = 32 ms of silence."""
    return b"".join(LOUD if c == "s" else QUIET for c in pattern)


async def run(pcm: bytes, stt: CountingStt, cfg: CaptionConfig | None = None, chunk: int = 640) -> list[Segment]:
    out: list[Segment] = []

    async def emit(seg: Segment) -> None:
        out.append(seg)

    cap = StreamingCaptioner(EnergyVad(), stt, emit, language="en", config=cfg)
    for i in range(0, len(pcm), chunk):
        await cap.feed(pcm[i:i + chunk], i // 32)
        await asyncio.sleep(0)  # let the decoder run as audio arrives
    await cap.flush()
    await cap.aclose()
    return out


async def test_one_utterance_gives_partials_then_one_final_with_its_times() -> None:
    stt = CountingStt()
    out = await run(windows("." * 10 + "s" * 100 + "." * 20), stt)  # 3.2 s of speech from 320 ms
    finals = [s for s in out if s.final]
    partials = [s for s in out if not s.final]
    assert len(finals) == 1 and finals[0].n == 0
    assert 2 <= len(partials) <= 3  # one a second of ongoing speech
    assert out[-1].final  # the final comes after every partial of its utterance
    f = finals[0]
    assert 100 <= f.start_ms <= 300  # the pre-roll reaches before the detected start
    assert 3400 <= f.end_ms <= 3600  # the end of speech, not of the trailing silence
    assert [s.start_ms for s in out] == [f.start_ms] * len(out)


async def test_two_utterances_are_numbered_in_order_and_short_bursts_dropped() -> None:
    stt = CountingStt()
    out = await run(windows("s" * 30 + "." * 20 + "ss" + "." * 20 + "s" * 30 + "." * 20), stt)
    finals = [s for s in out if s.final]
    assert [s.n for s in finals] == [0, 1]  # the 64 ms burst between them is no utterance
    assert finals[0].end_ms < finals[1].start_ms


async def test_a_long_monologue_is_cut_at_the_maximum() -> None:
    cfg = CaptionConfig(max_utterance_ms=2000, partial_every_ms=10_000)
    out = await run(windows("s" * 200 + "." * 20), CountingStt(), cfg)
    assert [s.n for s in out if s.final] == [0, 1, 2, 3]


async def test_a_gap_in_the_stream_is_silence_and_ends_the_utterance() -> None:
    out: list[Segment] = []

    async def emit(seg: Segment) -> None:
        out.append(seg)

    cap = StreamingCaptioner(EnergyVad(), CountingStt(), emit, language="en")
    await cap.feed(windows("s" * 40), 0)
    await cap.feed(windows("s" * 40), 1280 + 800)  # 800 ms lost: the first utterance ended
    await cap.flush()
    await cap.aclose()
    assert [s.n for s in out if s.final] == [0, 1]


async def test_a_failing_decoder_still_closes_the_utterance_with_an_empty_final() -> None:
    out = await run(windows("s" * 60 + "." * 20), CountingStt(fail=True))
    assert [(s.final, s.text) for s in out] == [(True, "")]


async def test_a_slow_decoder_gets_fewer_partials_but_every_final_in_order() -> None:
    stt = CountingStt(delay_s=0.05)
    out = await run(windows(("s" * 60 + "." * 20) * 3), stt)
    assert [s.n for s in out if s.final] == [0, 1, 2]
    ns = [s.n for s in out]
    assert ns == sorted(ns)
