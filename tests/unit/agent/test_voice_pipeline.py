"""The voice pipeline on a manual clock: turn timing, speculation, barge-in, coughs, backchannels."""

from __future__ import annotations

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

from souk.agent.processors.responder import SpeculationPolicy
from souk.agent.session import VoiceConfig, VoiceEngine, VoiceSession
from souk.core.clock import ManualClock


class Rig:
    def __init__(self, stt_text: str | dict[float, str] = "where is my order", *, reply: str | None = None,
                 stt_delay: float = 0.1) -> None:
        self.clock = ManualClock()
        self.stt = ScriptedStt(self.clock, self._script(stt_text), delay_s=stt_delay)
        self.engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=self.stt, tts=WordTts(self.clock),
                                  config=VoiceConfig(echo_cancel=False), speculation=SpeculationPolicy(),
                                  clock=self.clock)
        self.brain = RecordingBrainSession() if reply is None else RecordingBrainSession(reply)
        self.out = Recorder(self.clock)
        self.session: VoiceSession = self.engine.new_session(self.brain, self.out)
        self.session.start()

    @staticmethod
    def _script(stt_text: str | dict[float, str]):  # type: ignore[no-untyped-def]
        if isinstance(stt_text, str):
            return lambda _s: stt_text
        def pick(audio_s: float) -> str:  # the entry for the longest duration not above the audio
            keys = sorted(k for k in stt_text if k <= audio_s)
            return stt_text[keys[-1]] if keys else ""
        return pick

    async def feed(self, frame: bytes, seconds: float) -> None:
        for _ in range(round(seconds / 0.02)):
            await self.clock.advance(0.02)
            await self.session.feed_audio(frame)
            await settle()

    async def wait(self, seconds: float) -> None:
        await self.feed(SILENCE, seconds)

    async def close(self) -> None:
        await self.session.aclose()
        await self.engine.aclose()


async def test_turn_ends_after_silence_and_agent_answers() -> None:
    rig = Rig()
    await rig.wait(0.2)
    await rig.feed(SPEECH, 1.0)
    speech_end = rig.clock.now()
    await rig.wait(1.0)
    transcripts = rig.out.of("transcript")
    assert [e["text"] for _, e in transcripts] == ["where is my order"]
    assert rig.brain.turns == ["where is my order"]
    # the end of turn needs ~300 ms of non-speech; speculation hid the transcription inside it
    t_final = transcripts[0][0]
    assert 0.28 <= t_final - speech_end <= 0.45
    (_, metrics), = rig.out.of("metrics")
    assert metrics["stt_speculative"] == 1.0
    assert 280 <= metrics["vad_end_ms"] <= 360
    assert metrics["first_audio_out_ms"] >= metrics["brain_done_ms"] >= metrics["stt_done_ms"] > 0
    assert rig.out.of("audio_start") and rig.out.audio
    assert rig.engine.speculation.wasted == 0
    await rig.close()


async def test_agent_audio_is_paced_in_real_time() -> None:
    rig = Rig(reply="One two three four.")  # 1 s of audio
    await rig.feed(SPEECH, 0.5)
    await rig.wait(2.0)
    t = rig.out.audio
    assert len(t) == 50
    assert 0.9 <= t[-1] - t[0] <= 1.1  # 20 ms frames sent as they play, not in one burst
    assert rig.out.of("audio_end")[0][1]["interrupted"] is False
    assert rig.brain.heard == []  # played to the end: nothing to truncate
    await rig.close()


async def test_pause_then_more_speech_discards_the_speculation() -> None:
    rig = Rig({0.0: "where is", 1.3: "where is my order please"})
    await rig.feed(SPEECH, 0.6)
    await rig.wait(0.15)  # a pause shorter than the end of turn
    await rig.feed(SPEECH, 0.6)
    await rig.wait(1.0)
    assert [e["text"] for _, e in rig.out.of("transcript")] == ["where is my order please"]
    assert rig.brain.turns == ["where is my order please"]
    assert rig.engine.speculation.wasted >= 1
    await rig.close()


async def _agent_speaking(rig: Rig) -> float:
    await rig.feed(SPEECH, 1.2)
    await rig.wait(0.8)
    assert rig.out.of("audio_start"), "the agent should be speaking by now"
    await rig.wait(0.7)
    assert rig.session.playback.speaking
    return rig.clock.now()


async def test_barge_in_stops_audio_fast_and_history_keeps_only_what_was_heard() -> None:
    rig = Rig({0.0: "no stop I meant my other order", 1.1: "where is my order"})
    await _agent_speaking(rig)
    onset = rig.clock.now()
    await rig.feed(SPEECH, 0.6)
    (t_int, ev), = rig.out.of("interrupted")
    assert ev["reason"] == "barge_in"
    assert t_int - onset <= 0.15  # 3 windows of 32 ms plus the window in progress
    n_audio = len(rig.out.audio)
    await rig.wait(1.0)
    assert all(t <= t_int + 1e-9 for t in rig.out.audio[:n_audio])
    # the reply was "One two three four. Five six ..." at 0.25 s a word: ~0.75 s played before the cut
    assert len(rig.brain.heard) == 1
    heard = rig.brain.heard[0]
    # 0.25 s of audio a word, first clause "One two three four." (1 s): the words played, nothing more
    played_ms = ev["played_ms"]
    assert 500 <= played_ms <= 1500
    words = ["One", "two", "three", "four.", "Five", "six", "seven", "eight."]
    assert heard == " ".join(words[: int(played_ms // 250)])
    cut = [e for _, e in rig.out.of("audio_end") if e["interrupted"]]
    assert cut and cut[0]["heard_text"] == heard
    assert rig.brain.turns[-1] == "no stop I meant my other order"
    await rig.close()


async def test_a_cough_does_not_interrupt() -> None:
    rig = Rig()
    await _agent_speaking(rig)
    await rig.feed(SPEECH, 0.04)  # a 40 ms click or cough touches at most 2 VAD windows: below 96 ms
    await rig.wait(0.5)
    assert rig.out.of("interrupted") == []
    assert rig.brain.heard == [] and len(rig.brain.turns) == 1
    await rig.close()


async def test_a_backchannel_pauses_then_resumes_without_truncating() -> None:
    rig = Rig({0.0: "mm-hm", 1.1: "where is my order"})
    await _agent_speaking(rig)
    await rig.feed(SPEECH, 0.35)  # "mm-hm": long enough to pause the agent...
    assert len(rig.out.of("interrupted")) == 1
    await rig.wait(0.6)
    assert len(rig.out.of("resumed")) == 1  # ...but it is a backchannel, so the agent goes on
    assert rig.brain.heard == [] and rig.brain.turns == ["where is my order"]
    await rig.wait(3.5)
    ends = rig.out.of("audio_end")
    assert ends and ends[-1][1]["interrupted"] is False
    await rig.close()


async def test_short_noise_turn_while_paused_resumes() -> None:
    rig = Rig()
    await _agent_speaking(rig)
    await rig.feed(SPEECH, 0.1)  # long enough to interrupt, too short to be a turn (160 ms)
    await rig.wait(0.5)
    assert len(rig.out.of("interrupted")) == 1 and len(rig.out.of("resumed")) == 1
    assert rig.stt.calls.count(rig.stt.calls[-1]) >= 1
    await rig.close()


async def test_client_interrupt_cuts_the_utterance() -> None:
    rig = Rig()
    await _agent_speaking(rig)
    rig.session.interrupt()
    await settle()
    await rig.wait(0.1)
    cut = [e for _, e in rig.out.of("audio_end") if e["interrupted"]]
    assert len(cut) == 1 and cut[0]["heard_text"] == rig.brain.heard[0]
    assert len(rig.brain.heard) == 1 and rig.brain.heard[0].startswith("One")
    await rig.close()


async def test_typed_turn_goes_to_the_brain() -> None:
    rig = Rig()
    await rig.session.send_text("hello there")
    await rig.wait(0.3)
    assert rig.brain.turns == ["hello there"]
    assert rig.out.of("agent_text")[0][1]["text"].startswith("One two")
    await rig.close()


async def test_monologue_is_cut_into_bounded_turns() -> None:
    rig = Rig("blah")
    await rig.feed(SPEECH, 61.0)
    await rig.wait(0.6)
    # 30 s turns at most: the STT never sees more than that, whatever the user does
    finals = [e for _, e in rig.out.of("transcript")]
    assert len(finals) >= 2
    assert max(rig.stt.calls) <= 30.1
    await rig.close()


async def test_session_close_is_idempotent_and_closes_the_brain() -> None:
    rig = Rig()
    await rig.feed(SPEECH, 0.3)
    await rig.close()
    await rig.session.aclose()
    assert rig.brain.closed


@pytest.mark.parametrize("frames", [1, 7])
async def test_odd_sized_audio_chunks_are_windowed(frames: int) -> None:
    rig = Rig()
    for _ in range(60 // frames):
        await rig.clock.advance(0.02 * frames)
        await rig.session.feed_audio(SPEECH[:600] * frames)
        await settle()
    await rig.wait(0.8)
    assert rig.brain.turns == ["where is my order"]
    await rig.close()


async def test_say_speaks_a_scripted_line_without_a_brain_turn() -> None:
    rig = Rig()
    await rig.session.say("Maria is joining now.", "en")
    await rig.wait(2.0)
    (_, text), = rig.out.of("agent_text")
    assert text["text"] == "Maria is joining now." and text["scripted"] is True and text["language"] == "en"
    assert rig.brain.turns == [] and rig.out.audio
    ends = rig.out.of("audio_end")
    assert ends and ends[-1][1]["utterance"] == text["utterance"] and ends[-1][1]["interrupted"] is False
    await rig.close()


async def test_say_cuts_the_reply_in_progress_and_a_barge_in_on_it_keeps_the_brain_history() -> None:
    rig = Rig({0.0: "no stop I meant my other order", 1.1: "where is my order"})
    await _agent_speaking(rig)
    await rig.session.say("One moment. A member of our team is joining now.", "en")
    await rig.wait(0.3)
    assert len(rig.brain.heard) == 1  # the reply it cut: its history keeps what was heard
    assert [e["interrupted"] for _, e in rig.out.of("audio_end")] == [True]
    await rig.wait(0.5)
    await rig.feed(SPEECH, 0.6)  # the shopper talks over the scripted line
    await rig.wait(1.0)
    cut = [e for _, e in rig.out.of("audio_end") if e["interrupted"]]
    assert len(cut) == 2 and cut[1]["heard_text"].startswith("One")
    assert len(rig.brain.heard) == 1  # the scripted line was never the brain's reply: nothing truncated
    await rig.close()
