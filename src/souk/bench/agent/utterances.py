"""Synthesized test speech (espeak-ng), resampled to 16 kHz mono s16le."""

from __future__ import annotations

import io
import subprocess
import wave
from dataclasses import dataclass

import numpy as np

from souk.agent.audio import float_to_pcm, resample
from souk.agent.providers.tts import ESPEAK_VOICES
from souk.core.errors import ConfigError

# (language, text): shopper questions; English ones score WER
UTTERANCES: tuple[tuple[str, str], ...] = (
    ("en", "Where is my order? I bought a lamp last week."),
    ("en", "How long does shipping take to Germany?"),
    ("en", "Can I return these shoes if they do not fit?"),
    ("en", "Do you have this jacket in a larger size?"),
    ("en", "I would like to talk to a person please."),
    ("en", "Will I have to pay customs duties?"),
    ("es", "¿Dónde está mi pedido? Lo compré la semana pasada."),
    ("es", "¿Cuánto tarda el envío a México?"),
    ("zh", "我的订单在哪里？"),
    ("zh", "运费是多少？"),
    ("ar", "أين طلبي؟"),
    ("id", "Berapa lama pengiriman ke Jakarta?"),
)
BARGE_IN = ("en", "Wait, stop, I have another question about my order.")


@dataclass(frozen=True, slots=True)
class Utterance:
    language: str
    text: str
    pcm: bytes
    speech_start_byte: int  # first 20 ms frame with speech
    speech_end_byte: int  # end of the last 20 ms frame with speech


def synthesize(language: str, text: str, *, rate_wpm: int = 165) -> Utterance:
    voice = ESPEAK_VOICES.get(language, "en-us")
    try:
        raw = subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate_wpm), "--stdout", "--", text],
                             capture_output=True, check=True, timeout=20).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ConfigError(f"espeak-ng is needed to synthesize bench speech: {exc}", code="tts_missing") from exc
    with wave.open(io.BytesIO(raw)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
        rate = w.getframerate()
    y = resample(x, rate)
    y = 0.5 * y / max(1e-6, float(np.max(np.abs(y))))  # about -6 dBFS peaks, like a close microphone
    pcm = float_to_pcm(y)
    pcm += bytes((-len(pcm)) % 640)
    loud = [i for i in range(0, len(pcm), 640)
            if np.sqrt(np.mean((np.frombuffer(pcm[i:i + 640], "<i2") / 32768.0) ** 2)) > 0.01]
    return Utterance(language, text, pcm, loud[0] if loud else 0, (loud[-1] + 640) if loud else len(pcm))


def wer(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) after lower-casing and dropping punctuation."""
    import re

    def norm(s: str) -> list[str]:
        return re.sub(r"[^\w\s']", " ", s.lower()).split()

    r, h = norm(reference), norm(hypothesis)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)
