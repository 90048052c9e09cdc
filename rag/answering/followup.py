"""Turning a follow-up question into a standalone search, without an LLM.

"And who led Ukraine's?" means little alone; searched together with the previous question
it finds the same article. A question is treated as a follow-up when it leans on what came
before: it opens with a connective, uses a pronoun for something named earlier, or has
too few words of its own to search with.
"""

from __future__ import annotations

import re

from rag.terms import terms

# Fewer content terms than this and a question cannot stand on its own.
MIN_STANDALONE_TERMS = 3
# How many earlier user turns are carried into the search, and the most characters of each.
TURNS_CARRIED = 1
CARRIED_MAX_CHARS = 2000

_CONNECTIVE = re.compile(
    r"^\W*(?:and|but|also|so|then|what about|how about|and what|same)\b", re.IGNORECASE
)
_PRONOUN = re.compile(
    r"\b(?:he|she|they|him|her|them|his|hers|their|theirs|it|its|this|that|"
    r"these|those|there|then)\b",
    re.IGNORECASE,
)
_ELLIPTIC_POSSESSIVE = re.compile(r"\w['’]s?\s*\?*\s*$")  # "…led Ukraine's?"


def previous_questions(history: list[dict] | None) -> list[str]:
    """The user's earlier questions, oldest first."""
    return [
        str(turn.get("content", ""))
        for turn in history or []
        if turn.get("role") == "user" and str(turn.get("content", "")).strip()
    ]


def is_follow_up(question: str) -> bool:
    """Whether the question needs the conversation to be understood."""
    return bool(
        _CONNECTIVE.search(question)
        or _PRONOUN.search(question)
        or _ELLIPTIC_POSSESSIVE.search(question)
        or len(terms(question)) < MIN_STANDALONE_TERMS
    )


def history_context(question: str, history: list[dict] | None) -> str:
    """The earlier questions that the search should carry, or "" for a standalone question."""
    earlier = previous_questions(history)
    if not earlier or not is_follow_up(question):
        return ""
    return " ".join(turn[:CARRIED_MAX_CHARS] for turn in earlier[-TURNS_CARRIED:])


def search_query(question: str, history: list[dict] | None) -> str:
    """What to search for: the question, extended by earlier turns when it is a follow-up."""
    context = history_context(question, history)
    return f"{context} {question}".strip() if context else question
