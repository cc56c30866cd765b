"""What a brain asks of an embeddings provider."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


class Embedder(Protocol):
    dim: int

    def query(self, text: str) -> Vector:
        """One L2-normalized vector for a short query (a user turn)."""

    def queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """A (n, dim) matrix of normalized query vectors (for example utterances)."""

    def passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """A (n, dim) matrix of normalized passage vectors (for documents such as product texts)."""
