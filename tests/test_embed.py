"""The embedding model in both number formats: bfloat16 must give float32's neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embed import Embedder, native_bfloat16
from rag.settings import PACKAGED_EMBEDDING_MODEL
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


def seed_sentences(limit: int = 64) -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir()))
    return [s.strip() for s in text.split(". ") if len(s.split()) > 5][:limit]


def test_bfloat16_vectors_are_unit_length_and_keep_float32_neighbours():
    texts = seed_sentences()
    full = Embedder(PACKAGED_EMBEDDING_MODEL, precision="float32").embed(texts)
    half = Embedder(PACKAGED_EMBEDDING_MODEL, precision="bfloat16").embed(texts)
    assert half.dtype == np.float32 and half.shape == full.shape
    assert np.allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-5)
    assert float((full * half).sum(axis=1).min()) > 0.99
    # Each text's nearest other text is the same in both formats.
    same = [
        int(np.argsort(-(full @ full[i]))[1]) == int(np.argsort(-(half @ half[i]))[1])
        for i in range(len(texts))
    ]
    assert sum(same) / len(same) > 0.9


def test_auto_precision_follows_the_cpu():
    embedder = Embedder(PACKAGED_EMBEDDING_MODEL)
    assert embedder.dtype_name == ("bfloat16" if native_bfloat16() else "float32")
