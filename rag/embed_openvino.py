"""The embedding model's transformer and mean pooling, compiled by OpenVINO for the CPU.

Same vectors as sentence-transformers' own encode (cosine 1.000 to its float32 vectors on
RealTimeQA chunks, docs/benchmarks.md) at about 1.3x the speed of torch in bfloat16: OpenVINO
fuses the layers and, on a CPU with native bfloat16, computes in it. Only the plain layout is
compiled (a transformer, then mean pooling, then optionally normalisation); anything else
stays with torch (:func:`supports`).

The converted model is kept in the cache folder, so a later start reads it instead of
tracing the torch model again.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.offline import apply_offline_env, user_cache_dir

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

IR_FILE = "embedder.xml"
# OpenVINO's performance mode for one request at a time: batches come from one caller.
PERFORMANCE_HINT = "LATENCY"


def import_openvino() -> Any:
    """The openvino module, imported with its usage reporting replaced by its no-op stub
    (``rag.offline.BLOCKED_MODULES``)."""
    apply_offline_env()
    import openvino

    return openvino


def available() -> bool:
    """Whether the openvino package is installed."""
    try:
        version("openvino")
    except PackageNotFoundError:
        return False
    return True


def supports(model: SentenceTransformer) -> bool:
    """Whether ``model`` is the plain layout this module reproduces exactly: a transformer
    whose tokens are mean-pooled (normalisation after it is done by the caller)."""
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    modules = list(model)
    if len(modules) not in (2, 3) or not isinstance(modules[0], Transformer):
        return False
    if getattr(modules[0], "do_lower_case", False):
        return False
    pooling = modules[1]
    if not isinstance(pooling, Pooling) or pooling.pooling_mode != "mean":
        return False
    if getattr(pooling, "include_prompt", True) is False:
        return False
    return len(modules) == 2 or isinstance(modules[2], Normalize)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rag/openvino`` (``~/.cache/rag/openvino`` by default)."""
    return user_cache_dir("openvino")


class OpenVinoEncoder:
    """Encodes texts with a sentence-transformers model compiled by OpenVINO."""

    def __init__(
        self,
        model: SentenceTransformer,
        model_path: str,
        bfloat16: bool,
        threads: int = 0,
        cache_dir: Path | None = None,
    ) -> None:
        ov = import_openvino()
        self.tokenizer = model.tokenizer
        self.max_length = int(model.max_seq_length)
        self.dimension = int(model[1].get_embedding_dimension())
        self.inputs = [
            name
            for name in ("input_ids", "attention_mask", "token_type_ids")
            if name in self.tokenizer.model_input_names
        ]
        core = ov.Core()
        folder = (cache_dir or default_cache_dir()) / _cache_key(model_path, self.inputs)
        if not (folder / IR_FILE).exists():
            _save_atomically(_convert(model, self.inputs), folder)
        config: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": "bf16" if bfloat16 else "f32",
            "PERFORMANCE_HINT": PERFORMANCE_HINT,
        }
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self.compiled = core.compile_model(core.read_model(folder / IR_FILE), "CPU", config)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Mean-pooled token vectors (not normalised), float32, in the order of ``texts``.

        Texts are batched by length, longest first, as sentence-transformers does, so a
        batch pads little.
        """
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            encoded = self.tokenizer(
                [str(texts[i]).strip() for i in batch],  # as sentence-transformers does
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="np",
            )
            out[batch] = self.compiled([encoded[name] for name in self.inputs])[0]
        return out


def _convert(model: SentenceTransformer, inputs: list[str]) -> Any:
    """Trace the transformer with mean pooling into an OpenVINO model (float32 weights).

    OpenVINO's PyTorch front end is called directly, not through ``openvino.convert_model``:
    that wrapper also sends usage reports (kept out by ``rag.offline.BLOCKED_MODULES``).
    """
    import torch

    import_openvino()
    from openvino.frontend import FrontEndManager
    from openvino.frontend.pytorch.ts_decoder import TorchScriptPythonDecoder

    transformer = model[0].auto_model.float().eval()
    names = list(inputs)

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            features = dict(zip(names, tensors, strict=True))
            tokens = self.transformer(**features).last_hidden_state
            mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            return (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    example = model.tokenizer(["an example", "a second example text"], padding=True)
    example_input = tuple(torch.tensor(example[name]) for name in names)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on data-dependent branches
        decoder = TorchScriptPythonDecoder(MeanPooled().eval(), example_input=example_input)
        front_end = FrontEndManager().load_by_framework("pytorch")
        return front_end.convert(front_end.load(decoder))


def _cache_key(model_path: str, inputs: list[str]) -> str:
    """A folder name that changes with the model files, openvino and transformers."""
    folder = Path(model_path)
    stamps = [model_path, *inputs, version("openvino"), version("transformers")]
    if folder.is_dir():
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                stat = file.stat()
                stamps.append(f"{file.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()[:16]


def _save_atomically(ov_model: Any, folder: Path) -> None:
    """Write the model's IR into ``folder`` through a sibling temp folder and a rename, so
    a crash or a second process never leaves a half-written model to be read."""
    ov = import_openvino()

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        ov.save_model(ov_model, staging / IR_FILE, compress_to_fp16=False)
        try:
            staging.rename(folder)
        except OSError:  # another process got there first: keep its copy
            if not (folder / IR_FILE).exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
