"""The echo canceller during double talk: the user's speech over the agent must not be learnt as echo.

Before: the canceller learnt a leak up to 13x too loud from the user's first word (speech correlates with
the agent's speech at some lag), its echo floor gated that word, and a barge-in took ~760 ms instead of ~120.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from souk.agent.audio import float_to_pcm
from souk.agent.echo import EchoCanceller, EchoReference

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

AGENT = "Sure, let me check that for you. Your order shipped yesterday and should arrive within five days."
USER = "Wait, stop, I have another question about my order."


def _speech(text: str, voice: str) -> np.ndarray:
    from souk.bench.agent.utterances import _espeak, _trim

    y = _trim(_espeak("en", text, 165) if voice == "en" else _espeak(voice, text, 150))
    return (y / np.max(np.abs(y))).astype(np.float32)


def _run(leaks: tuple[float, float], onset_s: float | None, delay_s: float = 0.1) -> tuple[list[float], int, int]:
    agent = 0.9 * _speech(AGENT, "en")
    user = 0.5 * _speech(USER, "en")
    ref, ec = EchoReference(), EchoCanceller(EchoReference())
    ec.ref = ref
    n = len(agent) + 8000
    mic = np.zeros(n, np.float32)
    d, half = int(delay_s * 16000), len(agent) // 2
    mic[d:d + half] += leaks[0] * agent[:half]
    mic[d + half:d + len(agent)] += leaks[1] * agent[half:n - d]
    if onset_s is not None:
        o = int(onset_s * 16000)
        seg = user[: n - o]
        mic[o:o + len(seg)] += seg
    gains: list[float] = []
    user_windows = gated = 0
    played = 0
    for w in range(0, n - 512, 512):
        t_end = (w + 512) / 16000
        while played * 320 < len(agent) and played * 0.02 <= t_end + 0.06:
            ref.played(played * 0.02, float_to_pcm(agent[played * 320:(played + 1) * 320]))
            played += 1
        y = ec.process(t_end, mic[w:w + 512])
        gains.append(ec._gain)
        if onset_s is not None and w >= onset_s * 16000:
            u = user[w - int(onset_s * 16000):w - int(onset_s * 16000) + 512]
            if u.size and float(np.mean(u * u)) > 2e-3:  # a loud window of the user's speech
                user_windows += 1
                gated += ec.echo_floor > 0 and float(np.mean(y * y)) < 4 * ec.echo_floor
    return gains, user_windows, gated


@pytest.mark.parametrize("onset_s", [0.9, 1.6, 2.3, 3.0])
def test_the_users_words_over_the_agent_are_not_learnt_as_echo(onset_s: float) -> None:
    gains, user_windows, gated = _run((0.05, 0.05), onset_s)
    assert user_windows > 10
    assert max(gains[len(gains) // 4:]) < 0.05 * 1.5  # the leak stays about what it is (-26 dB)
    assert gated <= 1  # the user's loud windows reach VAD


def test_a_leak_that_really_grows_is_still_followed() -> None:
    gains, _, _ = _run((0.05, 0.15), None)
    assert gains[-1] == pytest.approx(0.15, rel=0.15)
