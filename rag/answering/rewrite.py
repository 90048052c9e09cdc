"""Rewriting a follow-up question into a standalone search query with the LLM."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from rag.answering.llm import complete, escape_text, format_history
from rag.errors import ProviderError
from rag.prompts import render_prompt

if TYPE_CHECKING:
    from rag.settings import Settings

log = logging.getLogger(__name__)

REWRITE_MAX_TOKENS = 96


def _clean_query(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    query = re.sub(
        r"^(?:standalone\s+)?(?:search\s+)?query\s*:\s*", "", lines[0], flags=re.IGNORECASE
    )
    return " ".join(query.strip().strip("\"'“”‘’`").split())


def rewrite_query(
    question: str, history: list[dict], settings: Settings, fallback: str | None = None
) -> str:
    """A standalone search query for a follow-up ``question``; ``fallback`` (default: the
    question itself) when there is no history, no model, or the provider fails or is busy."""
    fallback = fallback or question
    history_text = format_history(history)
    if not history_text or not settings.llm_model:
        return fallback
    prompt = render_prompt(
        "rewrite_query",
        settings.prompts_dir,
        history=history_text,
        question=escape_text(question.strip()),
    )
    messages = [{"role": "user", "content": prompt.strip()}]
    try:
        # The rewrite never queues for a busy local model: the answer needs it more.
        text = complete(messages, settings, max_tokens=REWRITE_MAX_TOKENS, local_wait_s=0.0)
    except ProviderError as exc:
        log.warning("query rewrite skipped: %s", exc)
        return fallback
    query = _clean_query(text)
    if not query or len(query) > max(300, 4 * len(question)):
        return fallback
    return query
