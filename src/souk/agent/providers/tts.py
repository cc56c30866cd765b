"""Offline text-to-speech: Piper (en_US voice from its package) and espeak-ng for other languages.

Text is cut into clauses and the first clause is synthesized first, so audio starts while the rest is
still being made. Output is 16 kHz mono s16le PCM.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import shutil
import threading
import wave
from collections import OrderedDict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from souk.agent.audio import float_to_pcm, resample
from souk.core.errors import ConfigError, Unavailable

log = logging.getLogger(__name__)

# espeak-ng voices per ISO 639-1 code (cmn-latn-pinyin: plain "cmn" misreads Chinese characters here)
ESPEAK_VOICES = {
    "en": "en-us", "es": "es", "zh": "cmn-latn-pinyin", "ar": "ar", "id": "id", "pt": "pt-br", "fr": "fr",
    "de": "de", "it": "it", "tr": "tr", "ru": "ru", "hi": "hi", "vi": "vi", "ms": "ms", "ja": "ja",
}
_CLAUSE = re.compile(r"(?<=[.!?;:,。！？；：，、،؟])\s*")
FIRST_WORDS = 3  # under a second of speech: Piper makes it in ~40 ms on an idle core here
MAX_TEXT = 2000
CACHE_ENTRIES = 256  # ~8 MB of 16 kHz audio at most
CACHE_MAX_CHARS = 48  # characters spoken per reply; the rest is left to the transcript


def split_clauses(text: str, first_min: int = 2, rest_min: int = 20) -> list[str]:
    """Clauses to synthesize: a short first one (fast first audio), then longer chunks."""
    parts = [p.strip() for p in _CLAUSE.split(text[:MAX_TEXT]) if p and p.strip()]
    out: list[str] = []
    buf = ""
    for p in parts:
        buf = f"{buf} {p}".strip() if buf else p
        if len(buf) >= (first_min if not out else rest_min):
            out.append(buf)
            buf = ""
    if buf:
        if out and len(buf) < 12:
            out[-1] = f"{out[-1]} {buf}"
        else:
            out.append(buf)
    if out:
        words = out[0].split()
        if len(words) > FIRST_WORDS + 2:  # a long first clause: speak its first words on their own
            out[0:1] = [" ".join(words[:FIRST_WORDS]), " ".join(words[FIRST_WORDS:])]
    return out


def _load_piper(model: Path, config: Path) -> Any:
    """Piper with one non-spinning thread per synthesis: predictable when sessions share 2 cores."""
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])
    return PiperVoice(config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
                      session=session)


class OfflineTts:
    """Piper for English (when its voice is available), espeak-ng for everything else."""

    def __init__(self, piper_model: Path | None, piper_config: Path | None = None, *,
                 espeak: str | None = None, workers: int = 2) -> None:
        self._piper = None
        if piper_model is not None:
            self._piper = _load_piper(piper_model, piper_config or Path(f"{piper_model}.json"))
            self._piper_rate = self._piper.config.sample_rate
        self._espeak = espeak or shutil.which("espeak-ng")
        if self._espeak is None and self._piper is None:
            raise ConfigError("no offline TTS: install espeak-ng or the Piper voice", code="tts_missing")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tts")
        # Replies are often templated ("I can check", "Shipping to Germany:"): short clauses are cached.
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.cache_hits = 0

    def synthesize_sync(self, text: str, language: str) -> bytes:
        lang = (language or "en").split("-")[0].lower()
        key = (lang, text)
        if len(text) <= CACHE_MAX_CHARS:
            with self._cache_lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    self.cache_hits += 1
                    return hit
        pcm = self._synthesize(text, lang)
        if len(text) <= CACHE_MAX_CHARS:
            with self._cache_lock:
                self._cache[key] = pcm
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return pcm

    def _synthesize(self, text: str, lang: str) -> bytes:
        if lang == "en" and self._piper is not None:
            chunks = [c.audio_float_array for c in self._piper.synthesize(text)]
            if not chunks:
                return b""
            return float_to_pcm(resample(np.concatenate(chunks), self._piper_rate))
        return self._espeak_sync(text, ESPEAK_VOICES.get(lang, "en-us"))

    def _espeak_sync(self, text: str, voice: str) -> bytes:
        import subprocess

        if self._espeak is None:
            raise Unavailable("espeak-ng is not installed", code="tts_missing")
        proc = subprocess.run([self._espeak, "-v", voice, "-s", "165", "--stdout", "--", text],
                              capture_output=True, timeout=20, check=False)
        if proc.returncode != 0 or not proc.stdout:
            raise Unavailable(f"espeak-ng failed: {proc.stderr[-200:]!r}", code="tts_failed")
        with wave.open(io.BytesIO(proc.stdout)) as w:
            rate = w.getframerate()
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
        return float_to_pcm(resample(x, rate))

    async def stream(self, text: str, language: str) -> AsyncIterator[tuple[str, bytes]]:
        loop = asyncio.get_running_loop()
        clauses = split_clauses(text)
        if not clauses:
            return
        # the next clause is synthesized while the current one is handed out
        pending = loop.run_in_executor(self._pool, self.synthesize_sync, clauses[0], language)
        for i, clause in enumerate(clauses):
            pcm = await pending
            if i + 1 < len(clauses):
                pending = loop.run_in_executor(self._pool, self.synthesize_sync, clauses[i + 1], language)
            yield clause, pcm

    async def aclose(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
