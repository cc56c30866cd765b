"""Synthesized test speech, resampled to 16 kHz mono s16le.

espeak-ng for every language; English with the Piper voice instead when :class:`Voices` has it (a neural
voice: its prosody is far closer to a person's than espeak's formant synthesis, and the end-of-turn model
reads prosody), without its random noise so that every run speaks the same audio. Inner-pause utterances are one sentence synthesized whole, with ``INNER_PAUSE_MS`` of silence
put in at the marked word boundary: the words before the pause keep the running (unfinished) intonation of
the sentence, as a speaker's hesitation does.
"""

from __future__ import annotations

import io
import subprocess
import wave
from dataclasses import dataclass
from typing import Any

import numpy as np

from souk.agent.audio import float_to_pcm, resample
from souk.agent.frames import SAMPLE_RATE
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
    ("es", "¿Me dice por dónde anda mi paquete? Lo pedí la semana pasada."),
    ("es", "¿En cuántos días llega un envío a Chile?"),
    ("zh", "我的订单在哪里？"),
    ("zh", "运费是多少？"),
    ("ar", "أين طلبي؟"),
    ("id", "Berapa lama pengiriman ke Jakarta?"),
)
# more one-sentence questions, so the end-of-turn figures rest on >= 40 samples over two rounds
MORE_UTTERANCES: tuple[tuple[str, str], ...] = (
    ("en", "Is the blue lamp still in stock?"),
    ("en", "What is your return policy for sale items?"),
    ("en", "Can I change the delivery address?"),
    ("en", "How much is express shipping?"),
    ("en", "Do you ship to Canada?"),
    ("en", "When will my refund arrive?"),
    ("es", "¿Puedo pagar con tarjeta de crédito?"),
    ("zh", "可以退货吗？"),
)
# (language, text with " | " where the speaker pauses INNER_PAUSE_MS in the middle of the sentence)
INNER_PAUSE_MS = 400
INNER_PAUSES: tuple[tuple[str, str], ...] = (
    ("en", "I would like to return | the shoes I bought last week."),
    ("en", "Can you tell me how much | shipping costs to Canada?"),
    ("en", "My order number is | four five two one."),
    ("en", "I want to change the | address on my order."),
    ("en", "So I was wondering if | you ship to Norway."),
    ("en", "The lamp that I ordered | has not arrived yet."),
    ("en", "Could you check where | my parcel is right now?"),
    ("en", "Do you have this jacket | in a larger size?"),
    ("en", "I bought a lamp and | it arrived broken."),
    ("en", "Is it possible to | pay with a gift card?"),
)
BARGE_IN = ("en", "Wait, stop, I have another question about my order.")


@dataclass(frozen=True, slots=True)
class Utterance:
    language: str
    text: str
    pcm: bytes
    speech_start_byte: int  # first 20 ms frame with speech
    speech_end_byte: int  # end of the last 20 ms frame with speech
    inner_pause: bool = False  # holds a pause inside the sentence: must stay one turn
    voice: str = "espeak"


def _espeak(language: str, text: str, rate_wpm: int) -> np.ndarray:
    voice = ESPEAK_VOICES.get(language, "en-us")
    try:
        raw = subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate_wpm), "--stdout", "--", text],
                             capture_output=True, check=True, timeout=20).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ConfigError(f"espeak-ng is needed to synthesize bench speech: {exc}", code="tts_missing") from exc
    with wave.open(io.BytesIO(raw)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
        rate = w.getframerate()
    return resample(x, rate)


class Voices:
    """espeak-ng, and Piper for English when its voice is installed (``piper``: False to never use it)."""

    def __init__(self, *, piper: bool = True) -> None:
        self._piper: Any = None
        if piper:
            try:
                from souk.agent import models
                from souk.agent.providers.tts import _load_piper
                from souk.core.settings import load_settings

                paths = models.locate(load_settings())
                if paths.piper_model.is_file():
                    self._piper = _load_piper(paths.piper_model, paths.piper_config)
            except (ConfigError, ImportError, OSError):
                self._piper = None

    def name(self, language: str) -> str:
        return "piper" if language == "en" and self._piper is not None else "espeak"

    def audio(self, language: str, text: str, rate_wpm: int = 165) -> np.ndarray:
        if self.name(language) == "piper":
            from piper.config import SynthesisConfig

            # no generator/duration noise: the same text gives the same audio, run after run
            quiet = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
            chunks = [c.audio_float_array for c in self._piper.synthesize(text, syn_config=quiet)]
            if not chunks:
                return np.zeros(0, np.float32)
            return resample(np.concatenate(chunks), self._piper.config.sample_rate)
        return _espeak(language, text, rate_wpm)


def _trim(y: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Without the leading and trailing silence (10 ms hops)."""
    n = len(y) // 160
    if n == 0:
        return y
    e = np.sqrt(np.mean(y[: n * 160].reshape(n, 160) ** 2, axis=1))
    loud = np.nonzero(e > threshold)[0]
    return y if len(loud) == 0 else y[loud[0] * 160:(loud[-1] + 1) * 160]


def _valley(y: np.ndarray, near: int, window_s: float = 0.1) -> int:
    """The quietest 10 ms point within ``window_s`` of sample ``near`` (a word boundary)."""
    n = len(y) // 160
    e = np.sqrt(np.mean(y[: n * 160].reshape(n, 160) ** 2, axis=1))
    smooth = np.convolve(e, np.ones(3) / 3, mode="same")
    c, w = near // 160, int(window_s * 100)
    lo, hi = max(1, c - w), min(n - 1, c + w)
    if hi <= lo:
        return near
    return (lo + int(np.argmin(smooth[lo:hi]))) * 160


def _finish(language: str, text: str, y: np.ndarray, *, inner_pause: bool = False,
            voice: str = "espeak") -> Utterance:
    y = 0.5 * y / max(1e-6, float(np.max(np.abs(y))))  # about -6 dBFS peaks, like a close microphone
    pcm = float_to_pcm(y)
    pcm += bytes((-len(pcm)) % 640)
    loud = [i for i in range(0, len(pcm), 640)
            if np.sqrt(np.mean((np.frombuffer(pcm[i:i + 640], "<i2") / 32768.0) ** 2)) > 0.01]
    return Utterance(language, text, pcm, loud[0] if loud else 0, (loud[-1] + 640) if loud else len(pcm),
                     inner_pause, voice)


def synthesize(language: str, text: str, *, rate_wpm: int = 165, voices: Voices | None = None) -> Utterance:
    """``text`` spoken (espeak-ng unless ``voices`` gives a better voice for the language)."""
    if voices is None:
        return _finish(language, text, _espeak(language, text, rate_wpm))
    return _finish(language, text, voices.audio(language, text, rate_wpm), voice=voices.name(language))


def synthesize_with_pause(language: str, marked: str, voices: Voices, *,
                          pause_ms: int = INNER_PAUSE_MS) -> Utterance:
    """``marked`` ("words before | words after") spoken as one sentence with ``pause_ms`` of silence at the
    mark. Where the mark falls in the whole sentence's audio is estimated from the first part synthesized
    alone, then moved to the quietest point nearby (the gap between the two words)."""
    before, after = (part.strip() for part in marked.split("|", 1))
    text = f"{before} {after}"
    whole = _trim(voices.audio(language, text))
    at = _valley(whole, len(_trim(voices.audio(language, before))))
    y = np.concatenate([whole[:at], np.zeros(SAMPLE_RATE * pause_ms // 1000, np.float32), whole[at:]])
    return _finish(language, text, y, inner_pause=True, voice=voices.name(language))


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
