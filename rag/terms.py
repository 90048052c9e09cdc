"""Word-level terms for lexical matching: lowercase, no stop words, light suffix stemming.

BM25 and the extractive answerer's overlap scores both use :func:`terms`, so a word counts
the same way in retrieval and in picking the supporting sentence.
"""

from __future__ import annotations

import re
import unicodedata

# A general English stop-word list (function words only; no content words).
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been before
    being below between both but by can cannot could couldn did didn do does doesn doing don down
    during each few for from further had hadn has hasn have haven having he her here hers herself
    him himself his how i if in into is isn it its itself just let me more most mustn my myself
    no nor not of off on once only or other ought our ours ourselves out over own same shan she
    should shouldn so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was wasn we were weren what when where which
    while who whom whose why will with won would wouldn you your yours yourself yourselves
    s t d ll m re ve y also said says say tell told
    """.split()
)

_WORD = re.compile(r"\w+(?:[-.]\w+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s\b")


def _stem(word: str) -> str:
    """Fold common inflections (plurals, -ing, -ed) so "talks"/"talk", "led"/"leads" meet less
    often than a full stemmer would, but "delegation"/"delegations" always do."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalise(text: str) -> str:
    """Lowercase and strip accents and possessives, for matching (not for display)."""
    text = _POSSESSIVE.sub("", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def terms(text: str) -> list[str]:
    """The content terms of ``text`` in order, stemmed, stop words removed."""
    out = []
    for word in _WORD.findall(normalise(text)):
        word = word.replace(".", "")  # "u.s." -> "us"
        if word and word not in STOP_WORDS:
            out.append(_stem(word))
    return out
