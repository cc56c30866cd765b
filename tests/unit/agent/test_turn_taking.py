"""Semantic end of turn (a fake end-of-turn model) and the barge-in cut, on the detector and the pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from voice_fakes import (
    SILENCE,
    SPEECH,
    AmplitudeVadFactory,
    Recorder,
    RecordingBrainSession,
    ScriptedStt,
    WordTts,
    settle,
)

from souk.agent.frames import ControlFrame, EndOfTurn, Interrupt, TurnCheck, UserPaused, UserResumed
from souk.agent.processors.responder import SpeculationPolicy
from souk.agent.session import VoiceConfig, VoiceEngine, VoiceSession
from souk.agent.turns import TurnConfig, TurnDetector
from souk.core.clock import ManualClock

W = bytes(1024)  # one 32 ms window
# no early back-to-back re-checks here (test_turn_text_evidence covers them): one question, then past the pause
SMART = TurnConfig(smart_turn=True, check_after_ms=96, recheck_after_ms=480, recheck_ms=288, max_silence_ms=1200,
                   early_checks_until_ms=0.0)


def _feed(det: TurnDetector, pattern: str, t: float, *, agent: bool = False) -> tuple[float, list[ControlFrame]]:
    out: list[ControlFrame] = []
    for ch in pattern:
        t += 0.032
        out += det.feed(t, ch == "S", W, agent_speaking=agent)
    return t, out


def _checks(frames: list[ControlFrame]) -> list[TurnCheck]:
    return [f for f in frames if isinstance(f, TurnCheck)]


def test_a_finished_sentence_ends_the_turn_at_the_first_answer() -> None:
    det = TurnDetector(SMART)
    t, out = _feed(det, "S" * 20 + "__", 0.0)
    assert not _checks(out) and not any(isinstance(f, EndOfTurn) for f in out)  # 64 ms: too early to ask
    t, out = _feed(det, "_", t)
    (check,) = _checks(out)  # asked at 96 ms of non-speech, with the turn's audio
    assert len(check.audio) == 23 * 1024
    (eot,) = det.verdict(check.turn_id, check.seq, 0.9, t + 0.04, check_ms=40.0)
    assert isinstance(eot, EndOfTurn) and eot.reason == "model" and eot.probability == 0.9
    assert eot.t - eot.speech_end_t == pytest.approx(0.096 + 0.04)
    assert eot.checks == 1 and eot.check_ms == 40.0
    assert not det.in_turn


def test_an_unfinished_sentence_waits_is_asked_again_and_the_cap_ends_it() -> None:
    det = TurnDetector(SMART)
    t, _ = _feed(det, "S" * 20, 0.0)
    asked = 0
    ended: list[EndOfTurn] = []
    for _ in range(60):  # ~1.9 s of silence, answering "not finished" to every question
        t, out = _feed(det, "_", t)
        for c in _checks(out):
            asked += 1
            assert det.verdict(c.turn_id, c.seq, 0.2, t) == []
        ended += [f for f in out if isinstance(f, EndOfTurn)]
    assert len(ended) == 1
    eot = ended[0]
    assert eot.reason == "cap" and eot.probability == 0.2
    assert eot.t - eot.speech_end_t == pytest.approx(1.2, abs=0.033)
    assert asked == 4  # at 96 ms of silence, past an inner pause (480 ms), then every 288 ms (768, 1056)
    assert eot.checks == asked


def test_an_inner_pause_is_not_cut_and_a_late_answer_is_void() -> None:
    det = TurnDetector(SMART)
    t, _ = _feed(det, "S" * 20, 0.0)
    t, out = _feed(det, "_" * 4, t)  # a 400 ms pause inside the sentence begins
    (first,) = _checks(out)
    assert det.verdict(first.turn_id, first.seq, 0.1, t) == []  # "not finished": keep the floor
    t, out = _feed(det, "_" * 8, t)  # the pause lasts 12 windows (384 ms) in all: not asked again
    assert not _checks(out) and not any(isinstance(f, EndOfTurn) for f in out)
    t, out = _feed(det, "_" * 3, t)  # 480 ms: past an inner pause, asked again
    late = _checks(out)
    assert late
    t, out = _feed(det, "S" * 15, t)  # the sentence goes on
    assert any(isinstance(f, UserResumed) for f in out)
    # the model's answer to the question asked during the pause comes late, and says "finished": void
    assert det.verdict(late[-1].turn_id, late[-1].seq, 0.99, t) == []
    assert det.in_turn
    t, out = _feed(det, "___", t)
    (check,) = _checks(out)
    (eot,) = det.verdict(check.turn_id, check.seq, 0.8, t)
    assert isinstance(eot, EndOfTurn) and eot.speech_ms == pytest.approx(35 * 32)
    assert len(eot.audio) == (20 + 15 + 15 + 3) * 1024  # one turn with the whole sentence


def test_without_the_model_the_fixed_silence_ends_turns() -> None:
    det = TurnDetector(TurnConfig(end_of_turn_ms=320))
    _t, out = _feed(det, "S" * 10 + "_" * 10, 0.0)
    assert not _checks(out)
    (eot,) = [f for f in out if isinstance(f, EndOfTurn)]
    assert eot.reason == "silence" and eot.probability == -1.0


def test_a_verdict_for_another_turn_or_while_speaking_changes_nothing() -> None:
    det = TurnDetector(SMART)
    t, _ = _feed(det, "S" * 10, 0.0)
    t, out = _feed(det, "___", t)
    (check,) = _checks(out)
    assert det.verdict(check.turn_id + 1, check.seq, 1.0, t) == []
    assert det.verdict(check.turn_id, check.seq + 1, 1.0, t) == []
    assert det.check_pending  # the real answer is still awaited
    assert isinstance(det.verdict(check.turn_id, check.seq, 1.0, t)[0], EndOfTurn)


def test_barge_in_reports_its_onset() -> None:
    det = TurnDetector(TurnConfig(bargein_min_speech_ms=96))
    _t, out = _feed(det, "SSS", 1.0, agent=True)
    (intr,) = [f for f in out if isinstance(f, Interrupt)]
    assert intr.t - intr.onset_t == pytest.approx(0.096)


# ---- the pipeline with a fake model ------------------------------------------------------------------------


class FakeTurnModel:
    """'Finished' once the turn holds at least ``complete_after_s`` of audio; takes ``delay_s`` of clock."""

    def __init__(self, clock: ManualClock, complete_after_s: float, delay_s: float = 0.03) -> None:
        self.clock = clock
        self.complete_after_s = complete_after_s
        self.delay_s = delay_s
        self.calls: list[float] = []

    async def completion(self, pcm: bytes) -> float:
        self.calls.append(len(pcm) / 32000)
        await self.clock.sleep(self.delay_s)
        return 0.9 if len(pcm) / 32000 >= self.complete_after_s else 0.1


class FlushRecorder(Recorder):
    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.flushes: list[float] = []

    def flush_audio(self) -> None:
        self.flushes.append(self.clock.now())


class SmartRig:
    def __init__(self, model: Any, stt_text: str = "where is my order") -> None:
        self.clock = ManualClock()
        self.model = model(self.clock) if callable(model) else model
        self.engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=ScriptedStt(self.clock, lambda _s: stt_text),
                                  tts=WordTts(self.clock), config=VoiceConfig(echo_cancel=False, turn=SMART),
                                  speculation=SpeculationPolicy(), clock=self.clock, turn_model=self.model)
        self.brain = RecordingBrainSession()
        self.out = FlushRecorder(self.clock)
        self.session: VoiceSession = self.engine.new_session(self.brain, self.out)
        self.session.start()

    async def feed(self, frame: bytes, seconds: float) -> None:
        for _ in range(round(seconds / 0.02)):
            await self.clock.advance(0.02)
            await self.session.feed_audio(frame)
            await settle()

    async def close(self) -> None:
        await self.session.aclose()
        await self.engine.aclose()


async def test_pipeline_answers_a_finished_sentence_after_a_short_silence() -> None:
    rig = SmartRig(lambda c: FakeTurnModel(c, complete_after_s=0.5))
    await rig.feed(SPEECH, 1.0)
    speech_end = rig.clock.now()
    await rig.feed(SILENCE, 1.0)
    (t_final, ev), = rig.out.of("transcript")
    assert ev["text"] == "where is my order"
    (_, metrics), = rig.out.of("metrics")
    assert metrics["eot_by_model"] == 1.0 and metrics["eot_probability"] == 0.9
    assert 90 <= metrics["vad_end_ms"] <= 200  # ~100 ms of silence + the model's 30 ms, not 300 ms
    assert t_final - speech_end <= 0.25  # the speculative transcription was hidden behind the check
    await rig.close()


async def test_pipeline_does_not_cut_a_sentence_at_an_inner_pause() -> None:
    # the model says "finished" only for the whole sentence (>= 1.7 s of audio)
    rig = SmartRig(lambda c: FakeTurnModel(c, complete_after_s=1.7), stt_text="I would like to return the shoes")
    await rig.feed(SPEECH, 0.8)
    await rig.feed(SILENCE, 0.4)  # a 400 ms inner pause: asked, "not finished"
    await rig.feed(SPEECH, 0.6)
    await rig.feed(SILENCE, 0.6)
    assert [e["text"] for _, e in rig.out.of("transcript")] == ["I would like to return the shoes"]
    assert len(rig.out.of("vad")) == 1  # one turn
    assert len(rig.model.calls) == 2  # once in the inner pause (not finished), once at the end
    await rig.close()


async def test_pipeline_ends_at_the_cap_when_the_model_never_says_finished() -> None:
    rig = SmartRig(lambda c: FakeTurnModel(c, complete_after_s=99.0))
    await rig.feed(SPEECH, 1.0)
    await rig.feed(SILENCE, 2.0)
    (_, metrics), = rig.out.of("metrics")
    assert metrics["eot_by_model"] == 0.0
    assert 1150 <= metrics["vad_end_ms"] <= 1300
    await rig.close()


class BrokenModel:
    async def completion(self, pcm: bytes) -> float:
        raise RuntimeError("onnxruntime exploded")


async def test_a_failing_model_falls_back_to_the_cap() -> None:
    rig = SmartRig(BrokenModel())
    await rig.feed(SPEECH, 1.0)
    await rig.feed(SILENCE, 2.0)
    assert [e["text"] for _, e in rig.out.of("transcript")] == ["where is my order"]
    await rig.close()


async def test_barge_in_flushes_the_transport_in_the_step_that_detects_it() -> None:
    rig = SmartRig(lambda c: FakeTurnModel(c, complete_after_s=0.5))
    await rig.feed(SPEECH, 1.0)
    await rig.feed(SILENCE, 1.0)
    assert rig.out.of("audio_start") and rig.session.playback.speaking
    n_before = len(rig.out.audio)
    await rig.feed(SPEECH, 0.3)
    (t_int, ev), = rig.out.of("interrupted")
    assert ev["reason"] == "barge_in" and 90 <= ev["detect_ms"] <= 130
    assert rig.out.flushes and rig.out.flushes[0] <= t_int  # flushed no later than the event
    sent_after = [t for t in rig.out.audio[n_before:] if t > rig.out.flushes[0]]
    assert sent_after == []  # not one agent frame after the cut
    await rig.close()


async def test_client_interrupt_flushes_at_once() -> None:
    rig = SmartRig(lambda c: FakeTurnModel(c, complete_after_s=0.5))
    await rig.feed(SPEECH, 1.0)
    await rig.feed(SILENCE, 1.0)
    assert rig.session.playback.speaking
    t0 = rig.clock.now()
    rig.session.interrupt()
    assert rig.out.flushes == [t0] and rig.session.playback.paused  # before any await
    n = len(rig.out.audio)
    await rig.feed(SILENCE, 0.5)
    assert len(rig.out.audio) == n
    assert [e["reason"] for _, e in rig.out.of("interrupted")] == ["client"]
    await rig.close()


def test_paused_detector_state_is_reported_once() -> None:
    det = TurnDetector(SMART)
    t, _ = _feed(det, "S" * 10, 0.0)
    t, out = _feed(det, "_" * 10, t)
    assert sum(isinstance(f, UserPaused) for f in out) == 1


# ---- the transcript's last word vetoes an early "finished" -------------------------------------------------


def test_words_no_sentence_ends_on() -> None:
    from souk.agent.endings import looks_unfinished

    for text, lang in (("Is it possible to", "en"), ("I bought a lamp and", "en"), ("Quiero devolver los", "es"),
                       ("Saya mau kirim ke", "id"), ("我想买一个和", "zh"), ("Is it possible to...", "en")):
        assert looks_unfinished(text, lang), text
    for text, lang in (("Is it possible to pay by card?", "en"), ("Yes I do", "en"), ("I like that", "en"),
                       ("To?", "en"), ("", "en"), ("可以退货吗", "zh"), ("and the", "xx"), ("¿Cuánto cuesta?", "es")):
        assert not looks_unfinished(text, lang), text


class SayFinished:
    """An end-of-turn model that finds every pause finished (the prosody of a TTS voice can do that)."""

    def __init__(self) -> None:
        self.calls = 0

    async def completion(self, pcm: bytes) -> float:
        self.calls += 1
        return 0.95


async def test_a_finished_sounding_pause_after_an_unfinished_word_is_not_an_end_of_turn() -> None:
    clock = ManualClock()
    stt = ScriptedStt(clock, lambda s: "is it possible to" if s < 1.3 else "is it possible to pay by card")
    engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=stt, tts=WordTts(clock),
                         config=VoiceConfig(echo_cancel=False, turn=SMART), speculation=SpeculationPolicy(),
                         clock=clock, turn_model=SayFinished())
    out = Recorder(clock)
    session = engine.new_session(RecordingBrainSession(), out)
    session.start()

    async def feed(frame: bytes, seconds: float) -> None:
        for _ in range(round(seconds / 0.02)):
            await clock.advance(0.02)
            await session.feed_audio(frame)
            await settle()

    await feed(SPEECH, 0.8)
    await feed(SILENCE, 0.4)  # the model says "finished"; the transcript says "... to": keep listening
    await feed(SPEECH, 0.6)
    speech_end = clock.now()
    await feed(SILENCE, 0.8)
    assert [e["text"] for _, e in out.of("transcript")] == ["is it possible to pay by card"]
    assert len(out.of("vad")) == 1
    (_, metrics), = out.of("metrics")
    assert metrics["eot_by_model"] == 1.0 and metrics["vad_end_ms"] <= 250  # the whole sentence: answered early
    assert out.of("transcript")[0][0] - speech_end <= 0.3
    await session.aclose()
    await engine.aclose()
