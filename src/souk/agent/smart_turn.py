"""Semantic end of turn: Smart Turn v3.2 (ONNX, from the ``pipecat-ai`` wheel) run with onnxruntime.

The model reads the last 8 s of the turn (16 kHz mono; shorter audio is zero-padded at the start), as
Whisper log-mel features (80 bins x 800 frames of 10 ms, computed here with faster-whisper's numpy
feature extractor after a zero-mean unit-variance normalisation of the waveform, as pipecat does), and
gives the probability that the speaker has finished their turn. pipecat itself is never imported (its
dependencies are not installed): the file is found through its package directory.

One call costs tens of milliseconds of CPU, so :meth:`SmartTurn.completion` runs on a small thread pool
of its own (one onnxruntime thread per call) and never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from souk.agent.frames import SAMPLE_RATE
from souk.core.errors import ConfigError

log = logging.getLogger(__name__)

WINDOW_S = 8
N_SAMPLES = WINDOW_S * SAMPLE_RATE
_NORM_EPS = 1e-7


class TurnCompletion(Protocol):
    """What the turn processor asks: how likely is it that the user finished speaking (0..1)?"""

    async def completion(self, pcm: bytes) -> float: ...


def _fit(pcm: bytes) -> np.ndarray:
    """s16le PCM -> float32 of exactly 8 s: the last 8 s, zero-padded at the start when shorter."""
    x = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float32) / 32768.0
    if x.size >= N_SAMPLES:
        return x[-N_SAMPLES:]
    return np.concatenate([np.zeros(N_SAMPLES - x.size, dtype=np.float32), x])


class SmartTurn:
    """Loaded once per process; :meth:`completion` is safe to call from several sessions at once."""

    def __init__(self, model_path: Path, *, workers: int = 1, threads: int = 1) -> None:
        import onnxruntime as ort
        from faster_whisper.feature_extractor import FeatureExtractor

        if not model_path.is_file():
            raise ConfigError(f"Smart Turn model not found at {model_path}: run `make models`",
                              code="model_missing")
        so = ort.SessionOptions()
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.inter_op_num_threads = 1
        so.intra_op_num_threads = threads
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(model_path), sess_options=so,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._features = FeatureExtractor(feature_size=80, sampling_rate=SAMPLE_RATE, hop_length=160,
                                          chunk_length=WINDOW_S, n_fft=400)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smart-turn")
        self._lock = threading.Lock()
        self.calls = 0
        self.total_s = 0.0
        self.last_ms = 0.0

    def features(self, pcm: bytes) -> np.ndarray:
        """(80, 800) float32 log-mel features of the last 8 s of ``pcm``."""
        x = _fit(pcm)
        x = (x - x.mean()) / np.sqrt(x.var() + _NORM_EPS)
        mel = self._features(x, padding=0)
        return np.ascontiguousarray(mel[:, : WINDOW_S * 100], dtype=np.float32)

    def predict(self, pcm: bytes) -> float:
        """Probability (0..1) that the turn in ``pcm`` is complete. Blocking: call it off the event loop."""
        t0 = time.perf_counter()
        feats = self.features(pcm)[None, :, :]
        out = self._session.run(None, {self._input: feats})
        p = float(np.asarray(out[0]).reshape(-1)[0])
        dt = time.perf_counter() - t0
        with self._lock:
            self.calls += 1
            self.total_s += dt
            self.last_ms = dt * 1000
        return min(1.0, max(0.0, p))

    async def completion(self, pcm: bytes) -> float:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.predict, pcm)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
