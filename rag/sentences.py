"""Sentence boundaries with character offsets, by general English punctuation rules.

A line break always ends a sentence (news paragraphs are lines); inside a line a sentence
ends at ``.``, ``!``, ``?`` or ``…`` (plus closing quotes or brackets) followed by space and
something that can start a sentence, unless the word before the stop is an abbreviation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Titles, months and Latin/business abbreviations that are followed by a full stop mid-sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen sen rep st jr sr lt col capt cmdr gov pres rev hon sgt maj adm
    no nos vs etc inc ltd co corp plc dept est approx fig al eg ie cf
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    mt ft ave blvd rd
    """.split()
)

_BOUNDARY = re.compile(
    r"""
    [.!?…]+              # the stop
    [\"'”’»)\]]*         # closing quotes or brackets
    (?=\s+[\"'“‘«(\[]*[A-Z0-9À-ÖØ-Þ])   # space, then what can start a sentence
    """,
    re.VERBOSE,
)
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.$")
_INITIAL = re.compile(r"(?:^|[\s(])(?:[A-Z]\.)+$")  # "U.S." "J." "D.C."


@dataclass(frozen=True)
class Span:
    """A sentence as ``text[start:end]``."""

    start: int
    end: int


def _is_abbreviation(text: str, stop_start: int) -> bool:
    before = text[max(0, stop_start - 20) : stop_start + 1]
    if text[stop_start] != ".":
        return False
    if _INITIAL.search(before):
        return True
    match = _WORD_BEFORE.search(before)
    return bool(match and match.group(1).lower() in ABBREVIATIONS)


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_sentences(text: str, offset: int = 0) -> list[Span]:
    """Return the sentences of ``text`` as spans, shifted by ``offset``.

    Every non-space character of ``text`` belongs to exactly one span, so joining the spans
    with what lies between them gives back the text.
    """
    spans: list[Span] = []
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        start = line_start
        for match in _BOUNDARY.finditer(text, line_start, line_end):
            if _is_abbreviation(text, match.start()):
                continue
            span = _trimmed(text, start, match.end())
            if span:
                spans.append(span)
            start = match.end()
        span = _trimmed(text, start, line_end)
        if span:
            spans.append(span)
        line_start = line_end + 1
    return [Span(s.start + offset, s.end + offset) for s in spans] if offset else spans
