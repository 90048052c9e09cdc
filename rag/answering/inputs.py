"""Checking what a caller asks: the question, ``top_k``, the document filter and the history.

Each check raises an :class:`~rag.errors.InputError` (or its too-large or not-found kin) with
one line that says what to do; the API, the CLI and the chat show that line as it is.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from rag.errors import InputError, InputTooLargeError, NotFoundError
from rag.retrieve import Filters
from rag.settings import MAX_TOP_K

_HISTORY_SHAPE = (
    'history must be a list of {"role": "user"|"assistant"|"system", "content": "..."} objects'
)
# Control characters, invisible format characters (zero-width space, word joiner, BOM, bidi
# overrides) and lone surrogates (a JSON "\ud800" escape), which the tokenizer cannot encode.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)
_WORD_CHARACTER = re.compile(r"[^\W_]")  # a letter or digit of any script


def check_question(question: str, max_chars: int) -> str:
    """The question with control characters removed; empty or too long is an error."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    cleaned = _CONTROL.sub(" ", question).strip()
    if not cleaned:
        raise InputError("the question is empty: type a question about the articles")
    if not _WORD_CHARACTER.search(cleaned):
        raise InputError("the question has no words: type a question about the articles")
    if len(cleaned) > max_chars:
        raise InputTooLargeError(
            f"the question has {len(cleaned)} characters, over the limit of {max_chars}: "
            "shorten it (or raise RAG_MAX_QUESTION_CHARS)"
        )
    return cleaned


def check_top_k(top_k: int | None) -> None:
    """A per-question ``top_k`` must be a whole number from 1 to :data:`MAX_TOP_K`."""
    if top_k is not None and not (
        isinstance(top_k, int) and not isinstance(top_k, bool) and 1 <= top_k <= MAX_TOP_K
    ):
        raise InputError(f"top_k {top_k!r} is out of range: use 1 to {MAX_TOP_K}")


def check_filters(filters: Filters | None, known_docs: Collection[str]) -> None:
    """An unknown document id in ``filters`` is an error: it would quietly leave nothing to
    answer from."""
    missing = [d for d in (filters.doc_ids if filters else None) or () if d not in known_docs]
    if missing:
        raise NotFoundError(
            f"no indexed document with id {missing[0]!r}: `rag documents` lists the ids"
        )


def check_history(history: list[dict] | None, max_chars: int) -> list[dict]:
    """History as a list of {"role", "content"} turns; anything else, or more than
    ``max_chars`` characters in all, is an error."""
    if history is not None and not isinstance(history, list):
        raise InputError(_HISTORY_SHAPE)
    turns = []
    for turn in history or []:
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in {"user", "assistant", "system"}
            or not isinstance(turn.get("content"), str)
        ):
            raise InputError(_HISTORY_SHAPE)
        turns.append({"role": turn["role"], "content": _CONTROL.sub(" ", turn["content"])})
    total = sum(len(turn["content"]) for turn in turns)
    if total > max_chars:
        raise InputTooLargeError(
            f"the history has {total} characters, over the limit of {max_chars}: send fewer "
            "or shorter turns (or raise RAG_MAX_HISTORY_CHARS)"
        )
    return turns
