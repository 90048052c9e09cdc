"""The flags every ``rag`` sub-command shares, and the settings they make.

The command modules (:mod:`rag.cli`, :mod:`rag.server`, :mod:`rag.evaluate.cli`) import
this one and none of each other. Kept import-light so ``rag --help`` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.settings import Settings

# The settings fields the common flags set (each flag's ``dest``). A flag given on the
# command line beats RAG_* env vars and rag.toml; one not given leaves them alone.
SETTINGS_FLAGS = (
    "index_dir",
    "chroma_url",
    "embedding_model",
    "llm_model",
    "answerer",
    "top_k",
)


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--config`` and the settings flags of :data:`SETTINGS_FLAGS` to ``parser``."""
    parser.add_argument("--config", type=Path, help="TOML config file (default: ./rag.toml)")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: index/)")
    parser.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--embedding-model", help="sentence-transformers model name or folder")
    parser.add_argument(
        "--model",
        dest="llm_model",
        help="litellm model for answers, e.g. gpt-4o-mini or local/qwen2.5-0.5b-instruct "
        "(default: local/qwen2.5-coder-1.5b-instruct, in-process)",
    )
    parser.add_argument(
        "--answerer",
        choices=("llm", "extractive"),
        help="who answers: the LLM (default, the packaged local model) or the instant "
        "extractive answerer",
    )
    parser.add_argument("--top-k", type=int, help="passages to retrieve (default 5)")


def settings_from_args(args: argparse.Namespace, **overrides: Any) -> Settings:
    """The settings in force: config file < env vars < the common flags < ``overrides``.

    ``overrides`` are a command's own settings flags (``host=args.host``); None is ignored.
    """
    from rag.settings import load_settings

    flags = {name: getattr(args, name, None) for name in SETTINGS_FLAGS}
    flags.update({k: v for k, v in overrides.items() if v is not None})
    return load_settings(config_file=getattr(args, "config", None), **flags)
