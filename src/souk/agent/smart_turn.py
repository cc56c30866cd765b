"""Semantic end of turn: Smart Turn v3.2 (ONNX, from the ``pipecat-ai`` wheel) run with onnxruntime.

The model reads the last 8 s of the turn (16 kHz mono; shorter audio is zero-padded at the start), as
Whisper log-mel features (80 bins x 800 frames of 10 ms, computed here with numpy and faster-whisper's mel
filters, after a zero-mean unit-variance normalisation of the waveform, as pipecat does), and
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
from numpy.lib.stride_tricks import sliding_window_view

from souk.agent.frames import SAMPLE_RATE
from souk.core.errors import ConfigError

log = logging.getLogger(__name__)

WINDOW_S = 8
N_SAMPLES = WINDOW_S * SAMPLE_RATE
_NORM_EPS = 1e-7
_N_FFT = 400
_HOP = 160


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
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting on 2 cores
        so.log_severity_level = 3
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(model_path), sess_options=so,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        mel = FeatureExtractor(feature_size=80, sampling_rate=SAMPLE_RATE, hop_length=_HOP,
                               chunk_length=WINDOW_S, n_fft=_N_FFT).mel_filters  # (80, 201), Slaney
        self._mel = np.asarray(mel, dtype=np.float32)
        self._window = np.hanning(_N_FFT + 1)[:-1].astype(np.float32)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smart-turn")
        self._lock = threading.Lock()
        self.calls = 0
        self.total_s = 0.0
        self.last_ms = 0.0

    def features(self, pcm: bytes) -> np.ndarray:
        """(80, 800) float32 log-mel features of the last 8 s of ``pcm``: Whisper's (faster-whisper's mel
        filters, periodic Hann window, 400-sample FFT every 160 samples, centred with reflect padding).

        A turn is usually much shorter than 8 s: the zeros padded in front are one constant after the
        normalisation, so every frame that lies wholly in them has the same spectrum, computed once (the
        result is the same as transforming all 801 frames, at a fraction of the cost)."""
        n_real = min(N_SAMPLES, (len(pcm) - len(pcm) % 2) // 2)
        x = _fit(pcm)
        x = (x - x.mean()) / np.sqrt(x.var() + _NORM_EPS)
        padded = np.pad(x, (_N_FFT // 2, _N_FFT // 2), mode="reflect")
        frames = sliding_window_view(padded, _N_FFT)[::_HOP]  # (801, 400)
        # frame i covers x[i*hop - 200 : i*hop + 200]: wholly in the constant lead while i*hop + 200 <= lead
        lead = N_SAMPLES - n_real
        same = max(0, min(len(frames), (lead - _N_FFT // 2) // _HOP + 1)) if lead > _N_FFT // 2 else 0
        power = np.empty((len(frames), _N_FFT // 2 + 1), dtype=np.float32)
        tail = np.fft.rfft(frames[same:] * self._window, axis=-1) if same < len(frames) else None
        if tail is not None:
            power[same:] = np.abs(tail) ** 2
        if same:
            power[:same] = np.abs(np.fft.rfft(frames[0] * self._window)) ** 2
        mel = self._mel @ power.T  # (80, 801)
        log_spec = np.log10(np.maximum(mel, 1e-10))[:, :-1]
        log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
        return np.ascontiguousarray((log_spec + 4.0) / 4.0, dtype=np.float32)

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
