"""Whether a passage can be about what a question names, by general rules.

Every year and quarter the question names occurs in the passage, its title or its
article's date; half of its other numbers written in digits occur in the passage or its
title; its article falls in the question's relative time ("this week") where one applies;
most of its named entities occur in the passage or the title (by rarity: a name every
article uses tells no passage apart). And what a "how many" question counts is named where
its answer stands. Verification (``verify.py``) asks these of every passage it tries.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.answering.cite import passage_sentences, sentence_text
from rag.answering.extractive import question_entities
from rag.answering.facts import (
    CAPITALISED,
    MONTH_NUMBERS,
    MONTH_TERMS,
    acronyms,
    fact_terms,
    initialisms,
    name_vocabulary,
    numbers,
    quarters,
)
from rag.constraints import in_window
from rag.country_names import countries_named, country_forms
from rag.sentences import Span
from rag.terms import terms
from rag.types import Passage

# A quarter written as a code ("Q3", "3Q"), as the question's terms have it.
_QUARTER_TERM = re.compile(r"^(?:q[1-4]|[1-4]q)$")
# Entity terms match by a shared prefix this long (or the whole shorter word), so that
# "Russia" meets "Russian" and "Ukraine" meets "Ukrainian".
ENTITY_PREFIX = 5

_YEAR = re.compile(r"\b(1\d\d\d|20\d\d)s?\b")  # "1763", "the 1950s"
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# Share of the question's named entities the passage's article must mention.
MIN_ENTITY_SHARE = 0.5
# ... and at least this share of the other numbers it writes in digits ("the 4th", "62nd",
# "60 years"); number words are left out, as they often count the answer ("which two").
MIN_NUMBER_SHARE = 0.5
# Longest unit abbreviation that names a counted word ("km", "kg", "mph").
MAX_ABBREVIATION = 3
_HOW_MANY = re.compile(r"\bhow many\s+([^?.,;:]*)", re.I)
# A word written as a plural: "-s", but not "-ss", "-us" or "-is" ("business", "bus",
# "analysis"), nor a two-letter acronym ("US"); "-men" ("firemen"); or one of English's
# irregular plurals that news counts.
_IRREGULAR_PLURALS = "people|children|police|feet|teeth|mice|geese|cattle|staff|personnel|crew"
_PLURAL = re.compile(rf"^(?:\w{{2,}}(?<![sui])s|\w*men|{_IRREGULAR_PLURALS})$", re.I)


def prefix_match(term: str, vocabulary: set[str]) -> bool:
    """Whether ``term`` is in ``vocabulary``, or shares its first ``ENTITY_PREFIX`` letters
    with a word there (a name: "Russia" meets "Russian")."""
    if term in vocabulary:
        return True
    stem = term[:ENTITY_PREFIX]
    return len(term) >= ENTITY_PREFIX and any(v.startswith(stem) for v in vocabulary)


def meets_question_constraints(
    question: str,
    passage: Passage,
    rarity: Callable[[str], float] | None = None,
    window: tuple[str, str] | None = None,
) -> bool:
    """Whether the passage can be about what the question names: every year and quarter of
    the question occurs in the passage, its title or its article's date, half of its other
    numbers written in digits occur in the passage or its title, its article is
    dated inside the question's relative-time ``window`` when one applies (undated articles
    pass), and most of its named entities occur in the passage or its title, each entity
    weighted by ``rarity`` (its IDF in the index) when given: a name every article uses tells
    no passage apart."""
    chunk = passage.chunk
    if window and chunk.date and not in_window(window, chunk.date):
        return False
    context = f"{chunk.title}\n{chunk.text}"
    years = set(_YEAR.findall(question))
    if years:
        have = set(_YEAR.findall(context)) | ({chunk.date[:4]} if chunk.date else set())
        if not years <= have:
            return False
    asked_numbers = {n.replace(",", "") for n in _DIGITS.findall(question)} - years
    if asked_numbers:
        stated = numbers(context)
        held = sum(n in stated for n in asked_numbers)
        if held < MIN_NUMBER_SHARE * len(asked_numbers):
            return False
    asked_quarters = quarters(question)
    if asked_quarters and not asked_quarters <= quarters(context):
        return False
    return entity_share(question, context, rarity, chunk.date) >= MIN_ENTITY_SHARE


def entity_share(
    question: str,
    context: str,
    rarity: Callable[[str], float] | None = None,
    date: str | None = None,
) -> float:
    """Share of the question's named entities that ``context`` names (by prefix, by an
    initialism of its names, or, for a country, by another of its forms: "US" by "American"),
    each weighted by ``rarity`` when given; 1 when it names none. A month is also met by the
    article's ISO ``date`` in that month ("the budget in November 2025" by an article of
    2025-11-05 that never writes "November"); a quarter ("Q3") is no name: it is a time,
    which :func:`meets_question_constraints` checks in its own forms ("third quarter")."""
    # A month's abbreviation ("Sept") is compared spelled out, as the context's words are.
    entities = {MONTH_TERMS.get(t, t) for t in question_entities(question)}
    entities = {t for t in entities if not _QUARTER_TERM.match(t)}
    if date and date[5:7].isdigit():
        entities = {t for t in entities if MONTH_NUMBERS.get(t) != int(date[5:7])}
    if not entities:
        return 1.0
    vocabulary = name_vocabulary(context) | initialisms(context)
    # An acronym is met by a capitalised word or a name's initials only: the pronoun "us"
    # is not the "US".
    asked_acronyms = {t for word in acronyms(question) for t in terms(word)}
    names = fact_terms(" ".join(CAPITALISED.findall(context))) | initialisms(context)
    weight = rarity or (lambda _term: 1.0)
    total = sum(weight(t) for t in entities)
    written_as_codes: set[str] | None = None  # the context's acronyms, read when needed

    def met(term: str) -> bool:
        nonlocal written_as_codes
        is_code = term in asked_acronyms
        if prefix_match(term, names if is_code else vocabulary):
            return True
        forms = country_forms(term, as_code=is_code)  # "US" is met by "American"
        if forms is None:
            return False
        if written_as_codes is None:
            written_as_codes = {t for word in acronyms(context) for t in terms(word)}
            written_as_codes |= initialisms(context)
        return bool(forms.words & names or forms.codes & written_as_codes)

    return 1.0 if total <= 0 else sum(weight(t) for t in entities if met(t)) / total


def counted_noun(question: str) -> str | None:
    """The term of what a "how many" question counts, among the content words right after
    "how many": the first written as a plural ("How many academic units make up …" counts
    "units", not the verb after it), else the last ("How many Russian troops did …",
    "How many people were …")."""
    match = _HOW_MANY.search(question)
    if not match:
        return None
    counted = None
    for word in match.group(1).split():
        word_terms = fact_terms(word)
        if not word_terms:
            break
        counted = sorted(word_terms)[-1]
        if _PLURAL.search(word):
            break
    return counted


def names_counted(counted: str, vocabulary: set[str]) -> bool:
    """Whether ``vocabulary`` names what is counted: the word, by prefix, or a unit's
    abbreviation of it ("km" for "kilometers": its first letter, then letters of it in
    order, at most ``MAX_ABBREVIATION`` of them)."""
    if prefix_match(counted, vocabulary):
        return True
    return any(
        1 < len(term) <= MAX_ABBREVIATION and term[0] == counted[0] and _in_order(term, counted)
        for term in vocabulary
    )


def _in_order(letters: str, word: str) -> bool:
    rest = iter(word)
    return all(letter in rest for letter in letters)


def sentence_fit(
    question: str,
    rarity: Callable[[str], float] | None = None,
    window: tuple[str, str] | None = None,
) -> Callable[[Passage, Span], bool]:
    """A test of whether a sentence of a passage can answer ``question`` by the rules
    verification holds a generated claim to: its passage meets the question's constraints
    (:func:`meets_question_constraints`), and what a "how many" question counts is named in
    the sentence, a neighbour or the headline. For the extractive answerer, whose sentences
    are otherwise chosen by the question's words alone."""
    counted = counted_noun(question)
    countries = countries_named(question)
    passage_fits: dict[str, bool] = {}
    sentences: dict[str, tuple[list[int], list[str]]] = {}  # chunk -> starts, texts

    def fits(passage: Passage, span: Span) -> bool:
        chunk_id = passage.chunk.chunk_id
        if chunk_id not in passage_fits:
            passage_fits[chunk_id] = meets_question_constraints(question, passage, rarity, window)
        if not passage_fits[chunk_id]:
            return False
        if countries:
            # A sentence about other countries only is about another party: "Russia will be
            # represented by …" does not say who led the American delegation.
            named = countries_named(sentence_text(passage, span))
            if named and not named & countries:
                return False
        if counted is None:
            return True
        if chunk_id not in sentences:
            spans = passage_sentences(passage)
            sentences[chunk_id] = (
                [s.start for s in spans],
                [sentence_text(passage, s) for s in spans],
            )
        starts, texts = sentences[chunk_id]
        i = starts.index(span.start) if span.start in starts else None
        near = texts if i is None else texts[max(0, i - 1) : i + 2]
        return names_counted(counted, fact_terms(f"{passage.chunk.title} {' '.join(near)}"))

    return fits
