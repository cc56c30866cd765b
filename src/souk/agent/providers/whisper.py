"""Whisper (faster-whisper's CTranslate2 model) tuned for short conversational turns.

One encoder pass over a mel window padded to the audio plus ~1 s (not 30 s); the language comes from that
same encoder output (restricted to the languages the deployment supports) unless the session knows it;
then greedy decoding (beam 1, temperature 0), capped tokens, no timestamps, and a guard that drops
repetition loops.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from souk.agent.audio import pcm_to_float
from souk.agent.frames import SAMPLE_RATE
from souk.agent.providers.base import SttResult
from souk.core.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_LANGUAGES = ("en", "es", "zh", "ar", "id", "pt", "fr", "de")
MIN_WINDOW_S = 4.0  # 7 s (NOTES) and 4 s gave the same WER and language ids on the bench set; 4 s is ~30% faster
PAD_S = 1.0
MAX_AUDIO_S = 30.0
TOKENS_PER_S = 12
_TERMINAL = frozenset({".", "?", "!", "。", "？", "！", "؟"})  # not "...": a voice trailing off


class WhisperStt:
    def __init__(self, model_dir: Path, *, cpu_threads: int = 1, workers: int = 2,
                 languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> None:
        if not (model_dir / "model.bin").is_file():
            raise ConfigError(f"Whisper model not found in {model_dir}: run `make models`",
                              code="model_missing")
        import ctranslate2
        import tokenizers
        from faster_whisper.feature_extractor import FeatureExtractor

        self._model = ctranslate2.models.Whisper(str(model_dir), device="cpu", compute_type="int8",
                                                 intra_threads=cpu_threads, inter_threads=workers)
        self._tok = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._fe = FeatureExtractor()
        self._languages = tuple(lang for lang in languages if self._tok.token_to_id(f"<|{lang}|>") is not None)
        self._lang_ids = {lang: self._tok.token_to_id(f"<|{lang}|>") for lang in self._languages}
        self._sot = self._tok.token_to_id("<|startoftranscript|>")
        self._transcribe = self._tok.token_to_id("<|transcribe|>")
        self._no_ts = self._tok.token_to_id("<|notimestamps|>")
        self._eot = self._tok.token_to_id("<|endoftext|>")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="whisper")
        self._busy = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._busy

    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        # counted until the decode really ends: cancelling the awaiting task does not stop the thread
        with self._lock:
            self._busy += 1
        fut = self._pool.submit(self.transcribe_sync, pcm, language)
        fut.add_done_callback(self._done)
        return await asyncio.wrap_future(fut)

    def _done(self, _: object) -> None:
        with self._lock:
            self._busy -= 1

    def transcribe_sync(self, pcm: bytes, language: str | None = None) -> SttResult:
        import ctranslate2

        t0 = time.perf_counter()
        audio = pcm_to_float(pcm)[: int(MAX_AUDIO_S * SAMPLE_RATE)]
        audio_s = audio.shape[0] / SAMPLE_RATE
        if audio_s < 0.1:
            return SttResult("", language or "", 0.0, audio_s, time.perf_counter() - t0)
        window_s = min(MAX_AUDIO_S, max(MIN_WINDOW_S, audio_s + PAD_S))
        padded = np.zeros(int(window_s * SAMPLE_RATE), dtype=np.float32)
        padded[: audio.shape[0]] = audio
        mel = self._fe(padded, padding=0)
        mel = mel[:, : mel.shape[1] - (mel.shape[1] % 2)]
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None, :, :], dtype=np.float32))
        encoded = self._model.encode(features, to_cpu=False)
        lang_prob = 1.0
        if language not in self._lang_ids:
            language, lang_prob = self._detect(encoded)
        prompt = [self._sot, self._lang_ids[language], self._transcribe, self._no_ts]
        max_len = int(max(8, min(220, audio_s * TOKENS_PER_S)))
        result = self._model.generate(
            encoded, [prompt], beam_size=1, sampling_temperature=0.0, max_length=max_len,
            repetition_penalty=1.1, no_repeat_ngram_size=0, suppress_blank=True, return_scores=False,
            return_logits_vocab=True,
        )[0]
        ids = list(result.sequences_ids[0])
        tokens = [t for t in ids if t < self._eot]
        text = guard_repetition(self._tok.decode(tokens).strip())
        end_p, word_p = self._end_confidence(ids, result.logits[0] if result.logits else [])
        return SttResult(text, language, lang_prob, audio_s, time.perf_counter() - t0, end_p, word_p)

    def _end_confidence(self, ids: list[int], logits: Sequence[Any]) -> tuple[float | None, float | None]:
        """(probability of the terminal punctuation token or 0.0 when the text ends without one, least
        probability among the last word's tokens); (None, None) when the decoder gave no scores."""
        n = min(len(ids), len(logits))
        eot = self._eot if self._eot is not None else 1 << 30
        while n and ids[n - 1] >= eot:
            n -= 1
        if n == 0:
            return None, None

        def prob(k: int) -> float:
            lg = np.asarray(logits[k], dtype=np.float64).reshape(-1)
            m = float(lg.max())
            return float(np.exp(lg[ids[k]] - m) / np.exp(lg - m).sum())

        k = n - 1
        end_p = 0.0
        if self._tok.decode([ids[k]]).strip() in _TERMINAL:
            end_p = prob(k)
            k -= 1
        word_p, last = 1.0, max(0, k - 2)
        while k >= last:  # the last word: tokens back to the one that starts with a space (at most 3)
            piece = self._tok.decode([ids[k]])
            word_p = min(word_p, prob(k))
            if piece.startswith(" ") or not piece.strip():
                break
            k -= 1
        return end_p, word_p

    def _detect(self, encoded: object) -> tuple[str, float]:
        results = self._model.detect_language(encoded)[0]
        allowed = [(tok[2:-2], p) for tok, p in results if tok[2:-2] in self._lang_ids]
        if not allowed:
            return self._languages[0], 0.0
        total = sum(p for _, p in allowed) or 1.0
        lang, p = max(allowed, key=lambda x: x[1])
        return lang, p / total

    async def aclose(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


_WORD = re.compile(r"\S+")


def guard_repetition(text: str, max_repeats: int = 2) -> str:
    """Drop a phrase repeated more than ``max_repeats`` times in a row (Whisper's loop failure mode)."""
    words = _WORD.findall(text)
    if len(words) < 4:
        return _guard_chars(text)
    for n in range(1, min(8, len(words) // 3) + 1):
        i = 0
        out: list[str] = []
        while i < len(words):
            chunk = words[i:i + n]
            reps = 1
            while words[i + reps * n: i + (reps + 1) * n] == chunk:
                reps += 1
            out.extend(chunk * min(reps, max_repeats) if reps > max_repeats else chunk * reps)
            i += n * reps
        words = out
    return " ".join(words)


def _guard_chars(text: str, max_repeats: int = 3) -> str:
    # unspaced scripts: collapse a substring of 1-6 characters repeated more than max_repeats times
    return re.sub(rf"(.{{1,6}}?)\1{{{max_repeats},}}", lambda m: m.group(1) * max_repeats, text)
