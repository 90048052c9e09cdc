"""Word-level terms for lexical matching: lowercase, no stop words, Snowball English stems.

BM25 and the extractive answerer's overlap scores both use :func:`terms`, so a word counts
the same way in retrieval and in picking the supporting sentence. Stems come from PyStemmer
(the Snowball English stemmer), stop words from bm25s' English list (NLTK's) plus a few
reporting words that every news sentence has. The word pattern is our own: bm25s' drops
one-character words and splits "U.S." into nothing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

# Bump when terms() changes, so saved BM25 indexes built with the old terms are rebuilt.
TERMS_VERSION = "snowball-english-1"

# Words news text repeats in nearly every sentence, beside the general function words.
NEWS_STOP_WORDS = frozenset(
    "also said says say tell told could would cannot let ought whose".split()
)

_WORD = re.compile(r"\w+(?:[-.]\w+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s\b")


@functools.cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.cache
def stop_words() -> frozenset[str]:
    """bm25s' English stop words (NLTK's list) plus :data:`NEWS_STOP_WORDS`."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) | NEWS_STOP_WORDS


def normalise(text: str) -> str:
    """Lowercase and strip accents and possessives, for matching (not for display)."""
    text = _POSSESSIVE.sub("", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def terms(text: str) -> list[str]:
    """The content terms of ``text`` in order, stemmed, stop words removed."""
    stop = stop_words()
    words = [w.replace(".", "") for w in _WORD.findall(normalise(text))]  # "u.s." -> "us"
    return _stemmer().stemWords([w for w in words if w and w not in stop])
