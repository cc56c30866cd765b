"""Engine parts on their own: priority lane, utterance handle, turn detector, echo canceller, text helpers."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import wave

import numpy as np
import pytest

from souk.agent.echo import EchoCanceller, EchoReference
from souk.agent.frames import AudioIn, EndOfTurn, Interrupt, UserPaused, UserSpeechStarted
from souk.agent.handle import UtteranceHandle
from souk.agent.lanes import FrameQueue
from souk.agent.processors.responder import is_backchannel
from souk.agent.providers.tts import split_clauses
from souk.agent.providers.whisper import guard_repetition
from souk.agent.turns import TurnConfig, TurnDetector

W = bytes(1024)  # one 32 ms window


async def test_control_frames_overtake_queued_audio() -> None:
    q = FrameQueue(maxsize=4)
    for i in range(4):
        await q.put(AudioIn(bytes(640), float(i)))
    put_more = asyncio.ensure_future(q.put(AudioIn(bytes(640), 9.0)))
    await asyncio.sleep(0)
    assert not put_more.done()  # the data lane is bounded: the producer waits
    q.put_control(Interrupt(5.0))
    first = await q.get()
    assert isinstance(first, Interrupt)
    assert isinstance(await q.get(), AudioIn)
    await asyncio.sleep(0)
    assert put_more.done()
    assert q.drop_data() == 4
    assert len(q) == 0


def test_control_lane_is_bounded_too() -> None:
    q = FrameQueue(maxsize=2, control_maxsize=3)
    for i in range(10):
        q.put_control(Interrupt(float(i)))
    assert len(q) == 3 and q.dropped_control == 7


def test_handle_keeps_only_heard_words() -> None:
    h = UtteranceHandle(1, "Your order shipped. It arrives Friday.", "en")
    h.add_segment("Your order shipped.", 16000 * 2 * 1)  # 1 s
    h.add_segment("It arrives Friday.", 16000 * 2 * 1)
    h.mark_played(int(16000 * 1.5))
    h.interrupt()
    assert h.heard_text() == "Your order shipped. It"
    h.mark_played(0)
    assert h.heard_text() == ""
    zh = UtteranceHandle(2, "您的订单已发货", "zh")
    zh.add_segment("您的订单已发货", 14000 * 2)
    zh.mark_played(8000)
    zh.interrupt()
    assert zh.heard_text() == "您的订单"


def test_handle_played_to_the_end_is_the_whole_text() -> None:
    h = UtteranceHandle(1, "Hello there.", "en")
    h.add_segment("Hello there.", 32000)
    h.synthesis_done = True
    h.mark_played(10**9)
    assert h.heard_text() == "Hello there."


def _run(det: TurnDetector, pattern: str, *, agent: bool = False, t0: float = 0.0) -> list[tuple[float, object]]:
    out = []
    t = t0
    for ch in pattern:
        t += 0.032
        for f in det.feed(t, ch == "S", W, agent_speaking=agent):
            out.append((round(t, 3), f))
    return out


def test_turn_starts_pauses_and_ends_after_the_silence() -> None:
    det = TurnDetector(TurnConfig(end_of_turn_ms=320))
    events = _run(det, "__" + "S" * 20 + "_" * 12)
    kinds = [type(f).__name__ for _, f in events]
    assert kinds == ["UserSpeechStarted", "UserPaused", "EndOfTurn"]
    eot = events[-1][1]
    assert isinstance(eot, EndOfTurn)
    assert eot.speech_ms == pytest.approx(20 * 32)
    assert events[-1][0] - eot.speech_end_t == pytest.approx(0.32, abs=1e-6)
    paused = events[1][1]
    assert isinstance(paused, UserPaused) and len(paused.audio) < len(eot.audio)


def test_barge_in_needs_continuous_speech_while_the_agent_talks() -> None:
    det = TurnDetector(TurnConfig(bargein_min_speech_ms=96))
    assert _run(det, "SS_S_SS__", agent=True) == []  # bursts of 1-2 windows: coughs, clicks
    events = _run(det, "SSS", agent=True)
    assert [type(f) for _, f in events] == [UserSpeechStarted, Interrupt]


def test_monologue_turns_are_capped() -> None:
    det = TurnDetector(TurnConfig(max_turn_s=3.2))
    events = _run(det, "S" * 250)
    ends = [f for _, f in events if isinstance(f, EndOfTurn)]
    assert len(ends) == 2 and all(e.truncated for e in ends)
    assert all(len(e.audio) <= 100 * 1024 for e in ends)


def test_backchannels() -> None:
    for text in ("Mm-hm.", "uh-huh", "OK!", "yeah yeah", "嗯", "sí", ""):
        assert is_backchannel(text), text
    for text in ("stop", "where is my order", "no, the other one"):
        assert not is_backchannel(text), text


def test_clauses_put_a_short_first_clause_first() -> None:
    parts = split_clauses("Your order SK-1042 shipped on May 3 with DHL. It should arrive in 4 to 6 days.")
    assert parts[0] == "Your order SK-1042"  # three words: under a second of speech
    assert " ".join(parts).replace("  ", " ").startswith("Your order SK-1042 shipped on May 3 with DHL.")
    assert split_clauses("") == []
    assert len("".join(split_clauses("x" * 10_000))) <= 2000


def test_repetition_guard() -> None:
    assert guard_repetition("thank you thank you thank you thank you") == "thank you thank you"
    assert guard_repetition("where is my order") == "where is my order"
    assert guard_repetition("好好好好好好好好") == "好好好"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_echo_canceller_removes_the_agents_own_voice() -> None:
    raw = subprocess.run(["espeak-ng", "-v", "en-us", "--stdout", "Your order shipped on May third."],
                         capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(raw)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    ref = EchoReference()
    ec = EchoCanceller(ref)
    gain, delay = 10 ** (-26 / 20), 2200  # -26 dB, 137 ms
    mic = np.zeros(x.shape[0] + 8000, np.float32)
    mic[delay:delay + x.shape[0]] = gain * x
    t0 = 50.0
    before = after = 0.0
    played = 0
    for i in range(0, mic.shape[0] - 512, 512):
        t_end = t0 + (i + 512) / 16000
        while played < x.shape[0] and t0 + played / 16000 < t_end:  # play 20 ms frames as time passes
            ref.played(t0 + played / 16000, (x[played:played + 320] * 32767).astype("<i2").tobytes())
            played += 320
        win = mic[i:i + 512]
        out = ec.process(t_end, win)
        if i > 16000:  # after a second of adaptation
            before += float(np.sum(win ** 2))
            after += float(np.sum(out ** 2))
    assert 10 * np.log10(before / max(after, 1e-12)) > 20  # at least 20 dB of echo removed


class _AlwaysSpeech:
    window_samples = 512

    def probability(self, window: bytes) -> float:
        return 0.9

    def reset(self) -> None:
        pass


async def test_echo_gate_ignores_the_agents_voice_but_not_the_user() -> None:
    from souk.agent.frames import VadWindow
    from souk.agent.processors.vad import VadProcessor

    rng = np.random.default_rng(1)
    agent = (rng.normal(0, 0.3, 16000 * 3)).astype(np.float32)  # 3 s of loud "agent speech"
    ref = EchoReference()
    t0 = 10.0
    ec = EchoCanceller(ref)
    ec._gain = 0.0
    vad = VadProcessor(_AlwaysSpeech(), ec)
    out = FrameQueue(maxsize=1000)
    vad.link(out)
    leak = 10 ** (-26 / 20)
    user = rng.normal(0, 0.15, 16000).astype(np.float32)
    for i in range(0, 16000 * 2, 320):  # 2 s: echo only, then echo + the user talking
        # the output stage records each frame at its scheduled play time, 60 ms ahead
        ref.played(t0 + i / 16000, (np.clip(agent[i:i + 320], -1, 1) * 32767).astype("<i2").tobytes())
        mic = leak * agent[i - 1600:i - 1600 + 320] if i >= 1600 else np.zeros(320, np.float32)  # 100 ms delay
        if i >= 16000:
            mic = mic + user[i - 16000:i - 16000 + 320]
        await vad.process(AudioIn((np.clip(mic, -1, 1) * 32767).astype("<i2").tobytes(), t0 + (i + 320) / 16000))
    windows = []
    while len(out):
        f = await out.get()
        assert isinstance(f, VadWindow)
        windows.append(f)
    first, second = windows[: len(windows) // 2], windows[len(windows) // 2 + 1:]
    assert not any(w.speech for w in first)  # echo alone never counts as the user speaking
    assert all(w.speech for w in second)
