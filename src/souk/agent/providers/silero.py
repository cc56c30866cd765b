"""Silero VAD v6 (ONNX, bundled with faster-whisper) run per 32 ms window with its recurrent state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime

WINDOW = 512  # samples at 16 kHz = 32 ms
CONTEXT = 64


class SileroModel:
    """The loaded ONNX session; shared by all sessions of a process (onnxruntime sessions are thread-safe)."""

    def __init__(self, path: Path) -> None:
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"],
                                                    sess_options=opts)

    def stream(self) -> SileroVad:
        return SileroVad(self)


class SileroVad:
    """One stream's state (h, c and the 64-sample context carried between windows)."""

    window_samples = WINDOW

    def __init__(self, model: SileroModel) -> None:
        self._model = model
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def probability(self, window: bytes) -> float:
        x = np.frombuffer(window, dtype="<i2").astype(np.float32) / 32768.0
        if x.shape[0] != WINDOW:
            raise ValueError(f"VAD window must be {WINDOW} samples, got {x.shape[0]}")
        inp = np.concatenate([self._context, x])[None, :]
        out, self._h, self._c = self._model.session.run(None, {"input": inp, "h": self._h, "c": self._c})
        self._context = x[-CONTEXT:]
        return float(out.reshape(-1)[0])
