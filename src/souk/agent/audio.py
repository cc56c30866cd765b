"""PCM helpers: conversion, resampling, framing, levels. 16 kHz mono s16le is the engine's format."""

from __future__ import annotations

import numpy as np

from souk.agent.frames import FRAME_BYTES, SAMPLE_RATE


def pcm_to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm(x: np.ndarray) -> bytes:
    return (np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def resample(x: np.ndarray, src_rate: int, dst_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling of a whole buffer (FFT method; fine for clauses of a few seconds)."""
    if src_rate == dst_rate or x.size == 0:
        return x.astype(np.float32, copy=False)
    n_out = round(x.shape[0] * dst_rate / src_rate)
    spec = np.fft.rfft(x)
    keep = n_out // 2 + 1
    if keep <= spec.shape[0]:
        spec = spec[:keep]
    else:
        spec = np.concatenate([spec, np.zeros(keep - spec.shape[0], dtype=spec.dtype)])
    y = np.fft.irfft(spec, n_out) * (n_out / x.shape[0])
    return y.astype(np.float32)


def frames(pcm: bytes, frame_bytes: int = FRAME_BYTES) -> list[bytes]:
    """Split into fixed frames, zero-padding the last one."""
    out = [pcm[i:i + frame_bytes] for i in range(0, len(pcm), frame_bytes)]
    if out and len(out[-1]) < frame_bytes:
        out[-1] = out[-1] + bytes(frame_bytes - len(out[-1]))
    return out
