"""The embedding model in both number formats and both runtimes: bfloat16 must give
float32's neighbours, OpenVINO must give sentence-transformers' own vectors."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from rag import embed_openvino
from rag.embed import Embedder, native_bfloat16, resolve_model_path
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


needs_openvino = pytest.mark.skipif(not embed_openvino.available(), reason="openvino not installed")


@needs_openvino
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_openvino_gives_the_vectors_of_sentence_transformers(precision, tmp_path):
    texts = [*seed_sentences(40), "  padded  ", "x", "a long text " * 200]
    torch_vectors = Embedder(PACKAGED_EMBEDDING_MODEL, precision="float32", backend="torch")
    compiled = Embedder(PACKAGED_EMBEDDING_MODEL, precision=precision, backend="openvino")
    assert compiled.runtime == "openvino"
    reference, vectors = torch_vectors.embed(texts), compiled.embed(texts)
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float((reference * vectors).sum(axis=1).min()) > 0.999
    # One text alone gets the vector it gets in a batch (padding changes nothing).
    assert float(compiled.embed([texts[0]])[0] @ vectors[0]) > 0.9999


@needs_openvino
def test_a_layout_openvino_does_not_compile_stays_with_torch(tmp_path):
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    transformer = Transformer(resolve_model_path(PACKAGED_EMBEDDING_MODEL))
    cls_pooled = SentenceTransformer(
        modules=[transformer, Pooling(transformer.get_embedding_dimension(), "cls")],
        device="cpu",
    )
    assert not embed_openvino.supports(cls_pooled)
    assert embed_openvino.supports(Embedder(PACKAGED_EMBEDDING_MODEL, backend="torch").model)
    # Given as a folder, such a model is embedded by torch, in the format asked for.
    folder = tmp_path / "cls-pooled"
    cls_pooled.save(str(folder))
    embedder = Embedder(str(folder), precision="bfloat16")
    vectors = embedder.embed(["Russia will be represented by Igor Kostyukov."])
    assert embedder.runtime == "torch" and vectors.shape == (1, 384)
    assert next(embedder.model.parameters()).dtype == torch.bfloat16


@needs_openvino
def test_openvino_is_imported_without_usage_reports(tmp_path):
    """openvino's import sends a usage event and writes ~/intel/ unless its telemetry
    package is kept out; the service must never reach the network."""
    code = (
        "import sys; from rag.embed_openvino import import_openvino; ov = import_openvino(); "
        "ov.Core(); assert sys.modules['openvino_telemetry'] is None"
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    assert not (tmp_path / "intel").exists()
