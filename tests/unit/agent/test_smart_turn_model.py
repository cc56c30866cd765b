"""The real Smart Turn v3.2 model (from the installed pipecat-ai wheel) on synthesized speech."""

from __future__ import annotations

import importlib.util
import time

import numpy as np
import pytest

from souk.agent import models
from souk.agent.audio import float_to_pcm

pytestmark = pytest.mark.models

# cut in the middle of a phrase (the model reads prosody: a sentence cut after a complete clause, or
# TTS audio whose intonation falls anyway, can score "finished" too; the bench counts those cases)
SENTENCES = (
    "Do you have this jacket | in a larger size?",
    "I would like to talk to | a person please.",
    "The lamp that I ordered | has not arrived yet.",
    "How long does shipping | take to Germany?",
)


@pytest.fixture(scope="module")
def smart_turn():  # type: ignore[no-untyped-def]
    from souk.agent.smart_turn import SmartTurn

    path = models.verified_smart_turn()
    if path is None:
        pytest.skip("Smart Turn model not installed (make models)")
    st = SmartTurn(path)
    yield st
    st.close()


@pytest.fixture(scope="module")
def voices():  # type: ignore[no-untyped-def]
    from souk.bench.agent.utterances import Voices

    return Voices()


def _silence(s: float) -> np.ndarray:
    return np.zeros(int(16000 * s), np.float32)


def test_a_finished_sentence_scores_higher_than_the_same_sentence_cut(smart_turn, voices) -> None:  # type: ignore[no-untyped-def]
    from souk.bench.agent.utterances import _trim, _valley

    for marked in SENTENCES:
        before, after = (p.strip() for p in marked.split("|"))
        whole = _trim(voices.audio("en", f"{before} {after}"))
        cut_at = _valley(whole, len(_trim(voices.audio("en", before))))
        p_done = smart_turn.predict(float_to_pcm(np.concatenate([whole, _silence(0.1)])))
        p_cut = smart_turn.predict(float_to_pcm(np.concatenate([whole[:cut_at], _silence(0.1)])))
        assert p_done > p_cut + 0.3, (marked, p_done, p_cut)
        assert p_done >= 0.5 and p_cut < 0.5, (marked, p_done, p_cut)


def test_features_match_the_reference_implementation_and_a_call_is_fast(smart_turn) -> None:  # type: ignore[no-untyped-def]
    """Our features (faster-whisper's extractor) equal pipecat's vendored numpy reference, loaded by path."""
    root = models.smart_turn_path().parents[1]
    spec = importlib.util.spec_from_file_location("_pipecat_whisper_features", root / "_whisper_features.py")
    assert spec is not None and spec.loader is not None
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    rng = np.random.default_rng(7)
    audio = (0.1 * rng.standard_normal(16000 * 3)).astype(np.float32)
    pcm = float_to_pcm(audio)
    ours = smart_turn.features(pcm)
    x = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0
    theirs = ref.compute_whisper_log_mel_features(np.concatenate([np.zeros(16000 * 5, np.float32), x]))
    assert ours.shape == theirs.shape == (80, 800)
    assert float(np.max(np.abs(ours - theirs))) < 1e-3
    t0 = time.perf_counter()
    for _ in range(3):
        smart_turn.predict(pcm)
    assert (time.perf_counter() - t0) / 3 < 0.5  # ~40 ms here; generous for a loaded machine
