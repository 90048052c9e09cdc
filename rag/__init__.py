"""Cited answers from a folder of news articles.

``import rag`` is cheap: the models and the index load on first use.

    >>> import rag
    >>> result = rag.answer("Who led Russia's delegation in Abu Dhabi?")
    >>> result.answer, [c.title for c in result.citations]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from rag.errors import ConfigError, RagError
from rag.settings import Settings, load_settings
from rag.types import Answer, Citation, Document, Passage

if TYPE_CHECKING:
    from rag.facade import RagService

__all__ = [
    "Answer",
    "Citation",
    "Document",
    "Passage",
    "RagError",
    "RagService",
    "Settings",
    "answer",
    "load_settings",
    "service",
]

_services: dict[str, RagService] = {}


def _with_overrides(settings: Settings, overrides: dict[str, Any]) -> Settings:
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings.model_validate({**settings.model_dump(), **given})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"setting {field!r}: {first['msg']}") from None


def _settings_for(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    """``settings`` (default: config file + env vars) with ``overrides``, ``index_dir``
    resolved against the current folder."""
    if settings is None:
        settings = load_settings(**overrides)
    elif overrides:
        settings = _with_overrides(settings, overrides)
    return settings.model_copy(update={"index_dir": settings.index_dir.resolve()})


def service(settings: Settings | None = None, **overrides: Any) -> RagService:
    """A shared :class:`RagService` for these settings (default: config file + env vars),
    with ``overrides`` (any settings field) on top.

    A relative ``index_dir`` is resolved against the current folder: each folder's
    ``index/`` gets its own service, which keeps it after the process changes folder.
    """
    from rag.facade import RagService

    settings = _settings_for(settings, overrides)
    key = settings.model_dump_json()
    if key not in _services:
        _services[key] = RagService(settings)
    return _services[key]


def answer(question: str, history: list[dict] | None = None, **options: Any) -> Answer:
    """Answer ``question`` from the indexed articles.

    Options: ``top_k``, ``doc_ids``, ``date_from``, ``date_to`` (ISO dates), ``as_of`` (the
    ISO date relative times like "this week" count back from; default today), ``settings``,
    or any settings field (``index_dir=...``, ``llm_model=...``).
    """
    from rag.facade import LIMIT_NAMES, require_index

    limits = {k: options.pop(k) for k in list(options) if k in LIMIT_NAMES}
    top_k = options.pop("top_k", None)
    settings = options.pop("settings", None)
    settings = _settings_for(settings, options)
    require_index(settings)  # answering never makes an empty index where none was
    return service(settings).answer(question, history, top_k=top_k, **limits)


def __getattr__(name: str) -> Any:
    if name == "RagService":
        from rag.facade import RagService

        return RagService
    raise AttributeError(name)
