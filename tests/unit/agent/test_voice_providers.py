"""The real offline providers on short inputs: Silero VAD, Whisper STT, Piper / espeak-ng TTS."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from souk.agent import models
from souk.agent.audio import pcm_to_float
from souk.core.settings import load_settings

pytestmark = [pytest.mark.models,
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")]


@pytest.fixture(scope="module")
def paths() -> models.ModelPaths:
    return models.install(load_settings())


@pytest.fixture(scope="module")
def tts(paths: models.ModelPaths):  # type: ignore[no-untyped-def]
    from souk.agent.providers.tts import OfflineTts

    return OfflineTts(paths.piper_model, paths.piper_config)


def test_vad_on_silence_noise_and_speech(paths: models.ModelPaths) -> None:
    from souk.agent.providers.silero import SileroModel
    from souk.bench.agent.utterances import synthesize

    model = SileroModel(paths.silero_vad)
    rng = np.random.default_rng(0)
    silence = model.stream()
    assert max(silence.probability(bytes(1024)) for _ in range(30)) < 0.1
    noise = model.stream()
    white = [(rng.normal(0, 3000, 512)).astype("<i2").tobytes() for _ in range(60)]
    assert max(noise.probability(w) for w in white) < 0.5
    speech = model.stream()
    pcm = synthesize("en", "Where is my order? I bought a lamp last week.").pcm
    probs = [speech.probability(pcm[i:i + 1024]) for i in range(0, len(pcm) - 1024, 1024)]
    assert sum(p > 0.5 for p in probs) > 0.5 * len(probs)
    with pytest.raises(ValueError):
        speech.probability(bytes(100))


async def test_stt_transcribes_a_short_english_question(paths: models.ModelPaths) -> None:
    from souk.agent.providers.whisper import WhisperStt
    from souk.bench.agent.utterances import synthesize, wer

    stt = WhisperStt(paths.whisper_dir)
    try:
        u = synthesize("en", "Can I return these shoes if they do not fit?")
        r = await stt.transcribe(u.pcm)
        assert r.language == "en"
        edits, words = wer(u.text, r.text)
        assert edits / words <= 0.2, r.text
        es = await stt.transcribe(synthesize("es", "¿Dónde está mi pedido?").pcm, language="es")
        assert es.language == "es" and es.text
        assert (await stt.transcribe(bytes(32000))).text.strip() in ("", ".", "you", "You")  # 1 s of silence
        assert (await stt.transcribe(b"")).text == ""
    finally:
        await stt.aclose()


@pytest.mark.parametrize("lang,text", [("en", "Your order shipped yesterday. It arrives on Friday."),
                                       ("es", "Su pedido salió ayer."), ("zh", "您的订单已发货。"),
                                       ("ar", "تم شحن طلبك."), ("id", "Pesanan Anda sudah dikirim.")])
async def test_tts_streams_audible_16k_clauses(tts, lang: str, text: str) -> None:  # type: ignore[no-untyped-def]
    chunks = [(c, pcm) async for c, pcm in tts.stream(text, lang)]
    assert chunks and " ".join(c for c, _ in chunks).replace(" ", "") == text.replace(" ", "")
    for _, pcm in chunks:
        assert len(pcm) % 2 == 0
        x = pcm_to_float(pcm)
        assert 0.15 < x.shape[0] / 16000 < 10
        assert float(np.sqrt(np.mean(x * x))) > 0.01  # not silence
        assert float(np.max(np.abs(x))) <= 1.0


def test_tts_cache_returns_the_same_audio(tts) -> None:  # type: ignore[no-untyped-def]
    a = tts.synthesize_sync("I can check", "en")
    hits = tts.cache_hits
    assert tts.synthesize_sync("I can check", "en") == a
    assert tts.cache_hits == hits + 1
