"""The offline answerer: picks the retrieved sentences that best answer the question.

Nothing is generated: the answer is one or two sentences copied from the passages, each
followed by the marker of the citation that holds it. When no sentence covers enough of
the question, it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answering.cite import make_citation, passage_sentences, sentence_text
from rag.sentences import Span
from rag.terms import terms
from rag.types import Citation, Passage

if TYPE_CHECKING:
    import numpy as np

    from rag.embed import Embedder
    from rag.lexical import LexicalIndex
    from rag.settings import Settings

# A question word in the article's headline counts as fully as one in the sentence: the
# headline says what every sentence of the article is about.
TITLE_CREDIT = 1.0
# A question word in a neighbouring sentence counts this much: context, not evidence.
CONTEXT_CREDIT = 0.5
# Terms that only come from earlier turns of the conversation weigh this much.
HISTORY_WEIGHT = 0.5
# How the sentence score mixes its parts (coverage and similarity are both in [0, 1]).
COVERAGE_WEIGHT = 0.6
SIMILARITY_WEIGHT = 0.4
ANSWER_TYPE_BONUS = 0.1
# Capitalised words of the question (names of people, places, bodies) say what it is about;
# they weigh this many times their IDF.
ENTITY_WEIGHT = 2.0
# Only this many sentences (best by coverage) are embedded, to bound the answer's cost.
SENTENCES_TO_EMBED = 16

CAPITALISED = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w'’.-]*")  # a capitalised word
# Two or more capitalised words in a row, not after "the": a person's name ("Igor Kostyukov"),
# rather than an institution or country ("the United States", "the White House").
_NAME_RUN = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w'’.-]+(?:[ -][A-ZÀ-ÖØ-Þ][\w'’.-]+)+")
_BRACKETED_NUMBER = re.compile(r"\[(\d+)\]")
_THE_BEFORE = re.compile(r"\b[Tt]he\s+$")
# Weekday and month names, as regex alternations (the calendar, time and clock rules share them).
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH = r"january|february|march|april|may|june|july|august|september|october|november|december"
_CALENDAR = re.compile(rf"^{_WEEKDAY}$|^(?:{_MONTH})$")
# "How much did the repair cost?" asks for an amount of money: a sentence stating one
# ("after a $48 million repair") states the cost, whether or not it uses the word. These are
# the English words of such a question, not any corpus's.
_MONEY_QUESTION = re.compile(r"\bhow much\b", re.IGNORECASE)
_MONEY_TERMS = frozenset(
    terms("cost costing paid pay paying spend spent spending price priced worth fee")
)
_CURRENCY_SIGN = r"[$€£¥₹]"
_SCALE_WORDS = r"hundred|thousand|million|billion|trillion|bn|m"
_CURRENCY_WORDS = r"dollars?|euros?|pounds?|yen|yuan|rupees?|francs?|USD|EUR|GBP"
_AMOUNT_OF_MONEY = re.compile(
    rf"{_CURRENCY_SIGN}\s?\d|\d\s?(?:(?:{_SCALE_WORDS})\s)?(?:{_CURRENCY_WORDS})\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen|half|third|quarter)s?\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(?:1\d\d\d|20\d\d|\d{1,2}:\d\d|GMT|UTC|today|yesterday|tomorrow|tonight|"
    rf"{_WEEKDAY}|{_MONTH}|spring|summer|autumn|winter|week|month|year|"
    r"century|decade|morning|afternoon|evening|night|noon|midday|midnight|dawn|dusk)s?\b|"
    r"\b\d{1,2}(?:[:.]\d\d)?\s?(?:[ap]\.m\.|[ap]m\b)|\bo['’]clock\b",  # "5 pm", "11 a.m."
    re.IGNORECASE,
)
# A time of day is asked ("At what time did the talks begin?"): a weekday, a month or a year
# alone does not answer it; anything else the time rule reads does ("1100 GMT", "noon",
# "every two years"). "What time of year", "what time frame" ask for something else.
_DAY_OR_YEAR = re.compile(rf"(?i)^(?:{_WEEKDAY}s?|{_MONTH}|1\d\d\d|20\d\d)$")
# A question may open with a clause ("When Iqbal promoted unity, what did he encourage?"):
# then what follows its comma asks. "When did …" is no such clause.
_OPENING_CLAUSE = re.compile(
    r"^\W*(?:when|where|while|after|before|if|as)\s+(?!(?:did|does|do|is|was|were|are|will|"
    r"would|has|have|had|can|could|should|may|might|must)\b)[^,?]*,\s*"
    r"(?=[^?]*\b(?:what|which|who|whom|whose|where|when|how|why)\b)",
    re.I,
)
# First match wins. "Who is Steven Pifer?" asks for a description, not for another name.
_QUESTION_TYPES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"^\W*(?i:and\s+)?(?i:who\s+(?:is|was|are|were))\s+[A-ZÀ-ÖØ-Þ]"), None),
    (re.compile(r"^\W*(?:and\s+)?(?:who|whom|whose)\b", re.I), "person"),
    (
        re.compile(r"\b(?:how many|how much|what percentage|how long|how old|what number)\b", re.I),
        "number",
    ),
    (
        re.compile(r"\b(?:what|which) (?:time|hour)\b(?!\s+(?:of|frame|period|span|zone)\b)", re.I),
        "clock",
    ),
    (
        re.compile(r"^\W*(?:and\s+)?when\b|\b(?:what|which) (?:year|date|day|month|time)\b", re.I),
        "time",
    ),
    (re.compile(r"^\W*(?:and\s+)?where\b", re.I), "place"),
)


# A sentence that ends in a question mark, closing quotes or brackets aside.
_QUESTION_END = re.compile(r"\?[\"'”’)\]]*\s*$")


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer the question."""

    passage: Passage
    span: Span
    text: str
    coverage: float
    has_type: bool
    similarity: float = 0.0

    @property
    def score(self) -> float:
        """How well the sentence answers: coverage, similarity and answer-type fit."""
        bonus = ANSWER_TYPE_BONUS if self.has_type else 0.0
        return COVERAGE_WEIGHT * self.coverage + SIMILARITY_WEIGHT * self.similarity + bonus


def expected_type(question: str) -> str | None:
    """What the question asks for: "person", "place", "number", "time", "clock" (a time of
    day) or None."""
    question = _OPENING_CLAUSE.sub("", question, count=1)
    for pattern, kind in _QUESTION_TYPES:
        if pattern.search(question):
            return kind
    return None


def _new_terms(words: list[str], asked: set[str]) -> bool:
    """Whether any of ``words`` is a term the question does not use (dates aside)."""
    for word in words:
        word_terms = terms(word)
        if word_terms and word_terms[0] not in asked and not _CALENDAR.match(word_terms[0]):
            return True
    return False


def has_answer_type(sentence: str, kind: str | None, question: str) -> bool:
    """Whether ``sentence`` holds something of ``kind`` that the question does not."""
    if kind is None:
        return True
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "time":
        return bool(_TIME.search(sentence))
    if kind == "clock":
        return any(not _DAY_OR_YEAR.match(m.group()) for m in _TIME.finditer(sentence))
    asked = set(terms(question))
    if kind == "person":
        return any(
            _new_terms(re.split(r"[ -]", run.group()), asked)
            for run in _NAME_RUN.finditer(sentence)
            if not _THE_BEFORE.search(sentence, 0, run.start())
        )
    words = CAPITALISED.findall(sentence)
    if sentence[:1].isupper():
        words = words[1:]  # the first word is capitalised anyway
    return _new_terms(words, asked)


def term_weights(question: str, context: str, lexical: LexicalIndex) -> dict[str, float]:
    """IDF weight of each question term; terms only in ``context`` (history) weigh less."""
    entities = set(question_entities(question))
    weights: dict[str, float] = {}
    for source, factor in ((context, HISTORY_WEIGHT), (question, 1.0)):
        for term in terms(source):
            boost = ENTITY_WEIGHT if term in entities else 1.0
            weights[term] = factor * boost * lexical.rarity(term)
    return weights


def is_acronym(word: str) -> bool:
    """Whether ``word`` is written in capitals ("NASA", "U.S."), two letters or more."""
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def question_entities(question: str) -> list[str]:
    """Terms of the capitalised words of a question, its first word excepted unless it is
    written in capitals ("NASA made history …"): any first word is capitalised, an acronym
    is a name wherever it stands."""
    words = CAPITALISED.findall(question)
    if words and question.lstrip(" \"'“‘(").startswith(words[0]) and not is_acronym(words[0]):
        words = words[1:]
    return [t for w in words for t in terms(w)]


def coverage(
    weights: dict[str, float],
    sentence_terms: set[str],
    title_terms: set[str],
    neighbour_terms: set[str],
) -> float:
    """IDF-weighted share of the question's terms found in the sentence or its context."""
    total = sum(weights.values())
    if total == 0:
        return 0.0
    found = 0.0
    for term, weight in weights.items():
        if term in sentence_terms:
            found += weight
        elif term in title_terms:
            found += TITLE_CREDIT * weight
        elif term in neighbour_terms:
            found += CONTEXT_CREDIT * weight
    return found / total


def candidates(
    question: str, weights: dict[str, float], passages: list[Passage]
) -> list[Candidate]:
    """Every distinct sentence of the passages, scored by coverage and answer type."""
    kind = expected_type(question)
    money = money_terms(question)
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for passage in passages:
        spans = passage_sentences(passage)
        texts = [sentence_text(passage, s) for s in spans]
        sentence_terms = [
            set(terms(t)) | (money if money and states_money(t) else set()) for t in texts
        ]
        title_terms = set(terms(passage.chunk.title))
        for i, span in enumerate(spans):
            key = (passage.chunk.doc_id, span.start)
            if key in seen:
                continue
            seen.add(key)
            neighbours = set().union(*sentence_terms[max(0, i - 1) : i + 2])
            out.append(
                Candidate(
                    passage,
                    span,
                    texts[i],
                    coverage(weights, sentence_terms[i], title_terms, neighbours),
                    has_answer_type(texts[i], kind, question),
                )
            )
    return out


def states_money(sentence: str) -> bool:
    """Whether ``sentence`` states an amount of money ("$48 million", "1.2 billion dollars")."""
    return _AMOUNT_OF_MONEY.search(sentence) is not None


# Words of a question that asks for an amount of money without "how much": "What was the
# budget?", "What prize did she win?" (everyday English money words, not any corpus's).
_ASKS_MONEY_TERMS = _MONEY_TERMS | frozenset(
    terms(
        "budget revenue revenues sales salary salaries wage wages prize prizes fine fines "
        "fund funds funding grant grants bill earn earned earnings raise raised profit "
        "profits loss losses debt debts tax taxes value valued award awarded deal money "
        "dollars invest invested investment bid bonus income charge charged rent loan "
        "compensation damages settlement penalty reward ransom donation donated sum amount "
        "financing subsidy"
    )
)
# What an amount of money is written with, besides its number: "about $1.2 billion".
_AMOUNT_WORDS = re.compile(
    rf"{_CURRENCY_SIGN}|\b(?:about|around|nearly|almost|roughly|some|over|under|more|less|"
    rf"than|at|least|most|up|to|an?|estimated|approximately|us|{_SCALE_WORDS}|"
    rf"{_CURRENCY_WORDS})\b|[\d.,]+",
    re.IGNORECASE,
)


def is_bare_amount_of_money(claim: str) -> bool:
    """Whether ``claim`` is an amount of money and nothing else ("$1.2 billion")."""
    return states_money(claim) and not _AMOUNT_WORDS.sub(" ", claim).strip(" .;:-–—")


def asks_for_money(question: str) -> bool:
    """Whether the question can be answered with an amount of money: it says "how much" or
    uses a money word ("cost", "budget", "prize")."""
    return bool(_MONEY_QUESTION.search(question)) or bool(set(terms(question)) & _ASKS_MONEY_TERMS)


def money_terms(question: str) -> set[str]:
    """The question's terms that ask for an amount of money ("cost" in "How much did the
    repair cost?"): a sentence that states an amount ("$48 million") covers them."""
    if not _MONEY_QUESTION.search(question):
        return set()
    return set(terms(question)) & _MONEY_TERMS


def states_something(sentence: str, asked: set[str]) -> bool:
    """Whether a sentence can answer a question of terms ``asked``: it is not itself a
    question (a page that quotes the question, a rhetorical "Who will pay?"), and it has a
    content term the question lacks (one that only repeats the question's words answers
    nothing). The reader's evidence keeps such sentences: they can be the context of the
    one that answers."""
    if _QUESTION_END.search(sentence):
        return False
    return not set(terms(sentence)) <= asked


def with_similarity(
    found: list[Candidate], query_vector: np.ndarray, embedder: Embedder
) -> list[Candidate]:
    best = sorted(found, key=lambda c: -c.coverage)[:SENTENCES_TO_EMBED]
    vectors = embedder.embed([c.text for c in best])
    sims = vectors @ query_vector
    return [
        Candidate(c.passage, c.span, c.text, c.coverage, c.has_type, max(0.0, float(s)))
        for c, s in zip(best, sims, strict=True)
    ]


def shown_quote(quote: str) -> str:
    """The quote as the answer shows it: a bracketed number in the article ("[2]") becomes
    "(2)", so only the answer's own markers read as citations."""
    return _BRACKETED_NUMBER.sub(r"(\1)", quote)


def extractive_answer(
    question: str,
    passages: list[Passage],
    lexical: LexicalIndex,
    embedder: Embedder,
    settings: Settings,
    query_vector: np.ndarray,
    history_text: str = "",
    fits: Callable[[Passage, Span], bool] | None = None,
) -> tuple[str, list[Citation], bool]:
    """Answer from the passages: (answer text with [n] markers, citations, abstained).

    ``fits``, when given, must pass a sentence too (the question's years, numbers, names and
    counted noun: ``question_fit.sentence_fit``).
    """
    weights = term_weights(question, history_text, lexical)
    found = candidates(question, weights, passages)
    asked = set(terms(question))
    supported = [
        c
        for c in found
        if c.coverage >= settings.min_support
        and c.has_type
        and states_something(c.text, asked)
        and (fits is None or fits(c.passage, c.span))
    ]
    if not supported:
        return settings.refusal_text, [], True
    ranked = sorted(with_similarity(supported, query_vector, embedder), key=lambda c: -c.score)
    best = ranked[0]
    chosen = [best]
    for other in ranked[1:]:
        if len(chosen) >= settings.answer_max_sentences:
            break
        # Further sentences come from the same article: one answer speaks of one event, and
        # a close runner-up from another article is usually the same role at another meeting.
        same_article = other.passage.chunk.doc_id == best.passage.chunk.doc_id
        if same_article and other.score >= settings.answer_second_ratio * best.score:
            chosen.append(other)
    # Read the chosen sentences in passage order, and in article order within a passage.
    rank = {id(p): i for i, p in enumerate(passages)}
    chosen.sort(key=lambda c: (rank[id(c.passage)], c.span.start))
    citations = [make_citation(n, c.passage, c.span) for n, c in enumerate(chosen, start=1)]
    text = " ".join(f"{shown_quote(c.quote)} [{c.n}]" for c in citations)
    return text, citations, False
