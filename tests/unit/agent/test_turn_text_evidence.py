"""The speculative transcript as evidence for the end of turn: the decoder's doubt about its ending vetoes an
early "finished"; a confidently ended transcript ends a long pause the prosody model calls unfinished."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voice_fakes import SILENCE, SPEECH, AmplitudeVadFactory, Recorder, RecordingBrainSession, WordTts, settle

from souk.agent.endings import confident_ending, doubted_ending
from souk.agent.frames import TurnCheck
from souk.agent.processors.responder import SpeculationPolicy
from souk.agent.processors.turn import TurnProcessor
from souk.agent.providers.base import SttResult
from souk.agent.session import VoiceConfig, VoiceEngine
from souk.agent.turns import TurnConfig, TurnDetector
from souk.core.clock import ManualClock

SMART = TurnConfig(smart_turn=True, check_after_ms=64, recheck_after_ms=576, recheck_ms=288, max_silence_ms=1200)


def test_doubted_and_confident_endings() -> None:
    # measured at the bench's inner pauses: "how much it?" ('?' at 0.33), "change the date." ('date' at 0.18),
    # "change the data." ('data' at 0.37), "My order numbers." ('.' at 0.47)
    for end_p, word_p in ((0.33, 0.50), (0.82, 0.18), (0.75, 0.37), (0.47, 0.92)):
        assert doubted_ending(end_p, word_p), (end_p, word_p)
    # finished sentences: sure of both; no punctuation or no scores says nothing
    for end_p, word_p in ((0.95, 1.0), (0.52, 0.98), (0.7, 0.53), (0.0, 0.1), (None, None), (0.3, None)):
        assert not doubted_ending(end_p, word_p), (end_p, word_p)
    assert confident_ending(0.75, 0.58) and confident_ending(0.98, 1.0)
    for end_p, word_p in ((0.69, 1.0), (0.9, 0.4), (0.0, 1.0), (None, 1.0), (0.9, None)):
        assert not confident_ending(end_p, word_p), (end_p, word_p)


def test_the_question_says_how_long_the_silence_is() -> None:
    det = TurnDetector(SMART)
    t = 0.0
    checks: list[TurnCheck] = []
    for speech in [True] * 10 + [False] * 20:
        t += 0.032
        checks += [f for f in det.feed(t, speech, bytes(1024), agent_speaking=False) if isinstance(f, TurnCheck)]
        for c in checks[-1:]:
            if det.check_pending:
                det.verdict(c.turn_id, c.seq, 0.1, t)
    # asked back to back while the pause may be an inner pause (up to early_checks_until_ms), then past it
    assert [round(c.silence_ms) for c in checks] == [64, 96, 128, 160, 192, 224, 576]
    assert [c.first for c in checks] == [True] + [False] * 6
    assert det.threshold(64) == SMART.early_threshold > det.threshold(576) == SMART.complete_threshold


class ScoredStt:
    """Speech-to-text whose results carry the decoder's end probabilities: ``script(seconds)`` ->
    (text, end_p, last_word_p)."""

    def __init__(self, clock: ManualClock, script: Callable[[float], tuple[str, float, float]]) -> None:
        self.clock = clock
        self.script = script

    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        audio_s = len(pcm) / 32000
        await self.clock.sleep(0.1)
        text, end_p, word_p = self.script(audio_s)
        return SttResult(text, language or "en", 1.0, audio_s, 0.1, end_p, word_p)

    async def aclose(self) -> None:
        pass


class ConstantModel:
    def __init__(self, p: float) -> None:
        self.p = p
        self.calls = 0

    async def completion(self, pcm: bytes) -> float:
        self.calls += 1
        return self.p


class Rig:
    def __init__(self, model: Any, script: Callable[[float], tuple[str, float, float]]) -> None:
        self.clock = ManualClock()
        self.engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=ScoredStt(self.clock, script), tts=WordTts(self.clock),
                                  config=VoiceConfig(echo_cancel=False, turn=SMART), speculation=SpeculationPolicy(),
                                  clock=self.clock, turn_model=model)
        self.out = Recorder(self.clock)
        self.session = self.engine.new_session(RecordingBrainSession(), self.out)
        self.session.start()

    async def feed(self, frame: bytes, seconds: float) -> None:
        for _ in range(round(seconds / 0.02)):
            await self.clock.advance(0.02)
            await self.session.feed_audio(frame)
            await settle()

    def end_ms(self, speech_end: float) -> float:
        (t, _), = self.out.of("transcript")
        return (t - speech_end) * 1000

    async def close(self) -> None:
        await self.session.aclose()
        await self.engine.aclose()


async def test_a_doubted_ending_at_an_inner_pause_keeps_the_floor() -> None:
    # the model hears "finished" everywhere; at the inner pause the decoder invented "date." (p 0.18)
    rig = Rig(ConstantModel(0.9), lambda s: ("I want to change the date.", 0.82, 0.18) if s < 1.3
              else ("I want to change the address on my order.", 0.9, 0.95))
    await rig.feed(SPEECH, 0.8)
    await rig.feed(SILENCE, 0.4)
    await rig.feed(SPEECH, 0.6)
    speech_end = rig.clock.now()
    await rig.feed(SILENCE, 0.8)
    assert [e["text"] for _, e in rig.out.of("transcript")] == ["I want to change the address on my order."]
    assert rig.end_ms(speech_end) <= 300  # the whole sentence, confidently ended: answered at the first check
    await rig.close()


async def test_a_doubted_ending_does_not_hold_a_long_pause_to_the_cap() -> None:
    rig = Rig(ConstantModel(0.9), lambda s: ("How much is expressing?", 0.3, 0.35))
    await rig.feed(SPEECH, 0.8)
    speech_end = rig.clock.now()
    await rig.feed(SILENCE, 1.5)
    assert [e["text"] for _, e in rig.out.of("transcript")] == ["How much is expressing?"]
    assert 500 <= rig.end_ms(speech_end) < 800  # the re-check past an inner pause: the model's verdict stands
    await rig.close()


async def test_a_confident_transcript_ends_a_long_pause_the_model_calls_unfinished() -> None:
    rig = Rig(ConstantModel(0.02), lambda s: ("So I was wondering if you ship to Norway.", 0.75, 0.6))
    await rig.feed(SPEECH, 0.8)
    speech_end = rig.clock.now()
    await rig.feed(SILENCE, 1.5)
    assert 576 <= rig.end_ms(speech_end) < 800  # past the longest inner pause, not at the 1.2 s cap
    turn, = (p for p in rig.session.pipeline.processors if isinstance(p, TurnProcessor))
    assert turn.text_ends == 1
    await rig.close()


async def test_a_sure_transcript_ends_a_pause_the_model_calls_likely_finished() -> None:
    # measured: "When will my refund arrive?" at 0.44-0.56 from the model, '?' at 0.98, 'arrive' at 0.88
    rig = Rig(ConstantModel(0.5), lambda s: ("When will my refund arrive?", 0.98, 0.88))
    await rig.feed(SPEECH, 0.8)
    speech_end = rig.clock.now()
    await rig.feed(SILENCE, 1.0)
    assert rig.end_ms(speech_end) < 400  # an early re-check, not the one past the inner pause
    turn, = (p for p in rig.session.pipeline.processors if isinstance(p, TurnProcessor))
    assert turn.sure_ends == 1
    await rig.close()


async def test_a_sure_looking_inner_pause_the_model_calls_unfinished_keeps_the_floor() -> None:
    # "Do you have this jacket?" | "in a larger size?": a finished-looking question, the prosody says more comes
    rig = Rig(ConstantModel(0.2), lambda s: ("Do you have this jacket?", 0.93, 0.99) if s < 1.3
              else ("Do you have this jacket in a larger size?", 0.95, 0.99))
    await rig.feed(SPEECH, 0.8)
    await rig.feed(SILENCE, 0.45)
    await rig.feed(SPEECH, 0.6)
    await rig.feed(SILENCE, 1.3)
    assert [e["text"] for _, e in rig.out.of("transcript")] == ["Do you have this jacket in a larger size?"]
    await rig.close()


async def test_an_unsure_or_unfinished_transcript_still_waits_for_the_cap() -> None:
    for text, end_p, word_p in (("So I was wondering if you ship to Norway.", 0.6, 0.9),
                                ("Is it possible to.", 0.9, 0.9), ("D-ship to Canada", 0.0, 1.0)):
        result = (text, end_p, word_p)
        rig = Rig(ConstantModel(0.02), lambda _s, r=result: r)  # type: ignore[misc]
        await rig.feed(SPEECH, 0.8)
        speech_end = rig.clock.now()
        await rig.feed(SILENCE, 1.5)
        assert rig.end_ms(speech_end) >= 1200, text
        await rig.close()


_PIECES = {1: " I", 2: " want", 3: " ch", 4: "ange", 5: ".", 6: " date", 7: "?"}


class _Tok:
    def decode(self, ids: list[int]) -> str:
        return "".join(_PIECES[i] for i in ids)


def _logits(ids: list[int], probs: list[float]) -> list[list[float]]:
    import math

    rows = []
    for t, p in zip(ids, probs, strict=True):  # two tokens: the chosen one at p, the rest on token 0
        row = [math.log(1 - p) if p < 1 else -1e9] + [-1e9] * 10
        row[t] = math.log(p)
        rows.append(row)
    return rows


def test_whisper_reads_the_probabilities_of_its_ending() -> None:
    from souk.agent.providers.whisper import WhisperStt

    stt = object.__new__(WhisperStt)
    stt._tok = _Tok()  # type: ignore[assignment]
    stt._eot = 100
    ids = [1, 2, 3, 4, 5, 100]  # " I want change." then end of text
    end_p, word_p = stt._end_confidence(ids, _logits(ids[:5], [0.9, 0.9, 0.6, 0.4, 0.3]) + [[0.0] * 11])
    assert end_p is not None and word_p is not None
    assert abs(end_p - 0.3) < 1e-6 and abs(word_p - 0.4) < 1e-6  # the last word is " ch" + "ange"
    end_p, word_p = stt._end_confidence([1, 6], _logits([1, 6], [0.9, 0.2]))
    assert end_p == 0.0 and word_p is not None and abs(word_p - 0.2) < 1e-6  # no punctuation
    assert stt._end_confidence([100], []) == (None, None)
