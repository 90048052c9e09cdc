"""The packaged local model's files: found as data, joined atomically, checked by SHA-256."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rag.answering.model_files import (
    PACKAGED_MODELS,
    gguf_file,
    packaged_model_file,
)
from rag.errors import ModelFileError

DEFAULT = PACKAGED_MODELS["qwen2.5-coder-1.5b-instruct"]


def test_missing_part_packages_say_how_to_install_them(tmp_path: Path, monkeypatch):
    missing = dataclasses.replace(DEFAULT, name="missing", dist_prefix="no-such-rag-part")
    monkeypatch.setitem(PACKAGED_MODELS, "missing", missing)
    with pytest.raises(ModelFileError) as info:
        packaged_model_file("missing", tmp_path)
    message = str(info.value)
    assert "no-such-rag-part1 is not installed" in message and "make install" in message
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []


def test_parts_whose_hash_is_wrong_leave_no_model_file(tmp_path: Path, monkeypatch):
    corrupt = dataclasses.replace(DEFAULT, name="corrupt", sha256="0" * 64)
    monkeypatch.setitem(PACKAGED_MODELS, "corrupt", corrupt)
    with pytest.raises(ModelFileError, match="not the pinned 000000000000"):
        packaged_model_file("corrupt", tmp_path)
    assert list(tmp_path.iterdir()) == []  # no half-written or unchecked file stays


def test_the_default_model_joins_once_and_is_trusted_by_its_stamp(tmp_path: Path):
    first = packaged_model_file(DEFAULT.name, tmp_path)
    assert first.stat().st_size == DEFAULT.size
    assert first.read_bytes()[:4] == b"GGUF"
    mtime = first.stat().st_mtime_ns
    again = packaged_model_file(DEFAULT.name, tmp_path)
    assert again == first and again.stat().st_mtime_ns == mtime
    # A file changed behind the stamp is checked again, found wrong, and joined anew.
    with open(first, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00" * 16)
    repaired = packaged_model_file(DEFAULT.name, tmp_path)
    assert repaired.stat().st_size == DEFAULT.size
    from rag.answering.model_files import sha256_of

    assert sha256_of(repaired) == DEFAULT.sha256


def test_unknown_packaged_name_lists_the_known_ones(tmp_path: Path):
    with pytest.raises(ModelFileError, match=r"local/qwen2\.5-coder-1\.5b-instruct"):
        packaged_model_file("gpt-5", tmp_path)


def test_a_user_file_must_be_gguf(tmp_path: Path):
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_bytes(b"PK\x03\x04 zip, not a model")
    with pytest.raises(ModelFileError, match="not a GGUF file"):
        gguf_file(not_gguf)
    with pytest.raises(ModelFileError, match="cannot be read"):
        gguf_file(tmp_path / "absent.gguf")
