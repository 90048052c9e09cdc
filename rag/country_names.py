"""The world's countries by each one-word form a text may name them with: the name, its other
spellings, the demonym and the codes ("US", "USA", "American"; "Netherlands", "Holland",
"Dutch"), from the data of the ``countryinfo`` package (MIT, every country, no hand-made list).

News writes a country as a noun, an adjective or a code by turns ("strikes in US history",
"the biggest strike in American history"), and word prefixes cannot see that "Chinese" is
"China" or "British" the "UK". Forms of several words ("United States", "South Korea")
count only whole and capitalised as written: their words name other things alone
("United", "South").
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from rag.terms import terms

# A code is a form written in capitals of at most this many letters ("US", "UK", "USA").
_MAX_CODE = 3


@dataclass(frozen=True)
class CountryForms:
    """Terms of the one-word forms of some countries: ``words`` as a text writes them in
    running prose (names, demonyms), ``codes`` as it writes them in capitals."""

    words: frozenset[str]
    codes: frozenset[str]


@functools.cache
def _index() -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, CountryForms]]:
    """Word term -> countries, code term -> countries, country -> its forms."""
    from countryinfo import CountryInfo

    by_word: dict[str, set[str]] = defaultdict(set)
    by_code: dict[str, set[str]] = defaultdict(set)
    forms: dict[str, CountryForms] = {}
    for key, info in CountryInfo.all().items():
        written = [info.get("name"), info.get("demonym"), *info.get("altSpellings", [])]
        iso = info.get("ISO") or {}
        codes = {str(iso.get(k, "")) for k in ("alpha2", "alpha3")}
        words: set[str] = set()
        for form in filter(None, written):
            if form.isupper() and form.isalpha() and len(form) <= _MAX_CODE:
                codes.add(form)
                continue
            form_terms = terms(form)
            if len(form_terms) == 1 and " " not in form.strip():
                words.add(form_terms[0])
        code_terms = {t for code in codes if code.isalpha() for t in terms(code)}
        forms[key] = CountryForms(frozenset(words), frozenset(code_terms))
        for word in words:
            by_word[word].add(key)
        for code in code_terms:
            by_code[code].add(key)
    return by_word, by_code, forms


def country_forms(term: str, as_code: bool) -> CountryForms | None:
    """Every one-word form of the countries ``term`` names (read as a code when the text
    wrote it in capitals), or None when it names no country."""
    by_word, by_code, forms = _index()
    keys = (by_code if as_code else by_word).get(term, set())
    if not keys:
        return None
    return CountryForms(
        frozenset().union(*(forms[k].words for k in keys)),
        frozenset().union(*(forms[k].codes for k in keys)),
    )


_CODE_WORD = re.compile(r"\b[A-Z]{2,3}\b")


@functools.cache
def _phrases() -> tuple[re.Pattern[str] | None, dict[str, set[str]]]:
    """A pattern of the countries' forms of several words, in Latin letters ("United
    States", "Republic of Korea"), and each form's countries."""
    from countryinfo import CountryInfo

    by_phrase: dict[str, set[str]] = defaultdict(set)
    for key, info in CountryInfo.all().items():
        for form in filter(None, [info.get("name"), *info.get("altSpellings", [])]):
            form = " ".join(form.split())
            if " " in form and "," not in form and form.isascii() and form[0].isupper():
                by_phrase[form].add(key)
    if not by_phrase:
        return None, {}
    alternatives = "|".join(re.escape(f) for f in sorted(by_phrase, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b"), by_phrase


def countries_named(text: str) -> frozenset[str]:
    """The countries ``text`` names: by a one-word form, a name or demonym in running prose
    ("Russian") or a code in capitals ("US"), or by a name of several words written whole
    ("the United States")."""
    by_word, by_code, _ = _index()
    found: set[str] = set()
    for term in terms(text):
        found |= by_word.get(term, set())
    for code in _CODE_WORD.findall(text):
        for term in terms(code):
            found |= by_code.get(term, set())
    pattern, by_phrase = _phrases()
    for phrase in pattern.findall(text) if pattern else ():
        found |= by_phrase[phrase]
    return frozenset(found)


def words_naming(text: str, countries: frozenset[str]) -> set[str]:
    """The words of ``text`` that name one of ``countries`` ("United", "States" and
    "American" for the United States)."""
    if not countries:
        return set()
    found = {word for word in re.findall(r"[\w.]+", text) if countries_named(word) & countries}
    pattern, by_phrase = _phrases()
    for phrase in pattern.findall(text) if pattern else ():
        if by_phrase[phrase] & countries:
            found.update(phrase.split())
    return found
