"""A later report of the same story: an answer read from an older article is read again from a
newer one that reports another date, figure or person for what is asked.

News moves on: a reopening is postponed, a death toll rises, a budget is cut, this year's
race has another winner. The model picks the excerpt that states the answer most plainly,
which is often the older report ("will reopen on May 10" against "has been postponed to
October 4"). So when the verified answer is a date, a number or a person's name and the
question names no time of its own, the other retrieved articles dated later are searched for
a sentence that

- holds a date, figure or name (as asked) that neither the question nor the answer has
  ("reduced to 8 buses" beside the 14 it revises counts; "as planned, on June 14" does
  not);
- uses one of the question's own lower-case words (what it says happened: "reopen",
  "budget"; not what "how many" counts, which it must name itself), as a second source
  must (``corroborate.py``), and, with its neighbours, all of them: a revision replaces an
  answer, so it must be about all that the question says happened;
- with its neighbours and its article's title, covers as much of the question as the
  answer's sentence does, or half of it, as a second source must.

The newest such sentence, with its neighbours, is read again by the model; its answer is
checked like any other and replaces the older one only when a later article holds it and its
value differs. The answer then says in its notice what the earlier article said. General
rules only: no list of events, words or sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.answering.cite import passage_sentences, sentence_text
from rag.answering.corroborate import MIN_CORROBORATION_COVERAGE, predicate_terms
from rag.answering.extractive import CAPITALISED, asks_for_money, expected_type, has_answer_type
from rag.answering.facts import MONTH_NUMBERS, fact_terms, numbers
from rag.answering.question_fit import (
    counted_noun,
    meets_question_constraints,
    names_counted,
    prefix_match,
)
from rag.answering.verify import covers_question, window_indexes, with_neighbours
from rag.constraints import question_constraints
from rag.sentences import Span
from rag.terms import terms
from rag.types import Passage

# The kinds of answer a later report revises by another value. A later article names other
# people of the story too: the sentence must also say what happened ("won", "led") and the
# model must read the new name from it, checked like any answer.
UPDATED_KINDS = frozenset({"time", "number", "person"})
# A question for a measure: its answer is a figure ("How big is the fire?" "8,400 acres").
_MEASURE = re.compile(
    r"\bhow (?:big|large|small|far|tall|high|deep|wide|fast|heavy|hot|cold|severe)\b", re.I
)
# The earlier answer is quoted in the notice up to this many characters.
NOTICE_CLAIM_CHARS = 80
# Shown beside an answer read from the later report.
LATER_REPORT = (
    "A later article ({new_date}) reports this; an earlier one ({old_date}) said “{old}”."
)


@dataclass(frozen=True)
class LaterReport:
    """Where a later article reports the question's date or figure anew."""

    passage_index: int  # 0-based, among the retrieved passages
    spans: list[Span]  # the reporting sentence and its neighbours, in article order


def later_report(
    claim: str,
    quote: str,
    cited_index: int,
    question: str,
    passages: list[Passage],
    rarity: Callable[[str], float] | None = None,
    window: tuple[str, str] | None = None,
) -> LaterReport | None:
    """A later-dated passage whose sentence reports another value of what ``question`` asks
    than ``claim``, held by ``quote`` in passage ``cited_index`` (0-based); None if there is
    none, if the answer is no date, figure or name, or if the question names a time itself."""
    kind = asked_kind(question)
    old = passages[cited_index].chunk
    if kind not in UPDATED_KINDS or not old.date or _names_a_time(question):
        return None
    if not has_answer_type(claim, kind, question):
        return None  # "Meat" to "Which item's prices rose most?": no figure to revise
    question_terms = fact_terms(question)
    claim_terms = fact_terms(claim)
    # What happened, not what "how many" counts: "two firefighters were treated" is another
    # count of firefighters than those who "fought the fire".
    counted = counted_noun(question)
    measure = _MEASURE.search(question)
    predicate = predicate_terms(question) - claim_terms - {counted}
    predicate -= set(terms(measure.group())) if measure else set()  # "big" of "how big"
    if not predicate:
        return None
    known = values(question, kind) | values(claim, kind)
    old_window = f"{old.title} {old_quote_window(passages[cited_index], quote)}"
    old_coverage = covers_question(old_window, question_terms, claim_terms)
    min_coverage = min(old_coverage, MIN_CORROBORATION_COVERAGE)
    best: tuple[tuple[str, float], LaterReport] | None = None
    for i, passage in enumerate(passages):
        chunk = passage.chunk
        if chunk.doc_id == old.doc_id or not chunk.date or chunk.date[:10] <= old.date[:10]:
            continue
        if not meets_question_constraints(question, passage, rarity, window):
            continue
        spans = passage_sentences(passage)
        texts = [sentence_text(passage, s) for s in spans]
        for j, text in enumerate(texts):
            # Another value than the answer's and the question's: "reduced to 8 buses" beside
            # the 14 it revises counts, "will open on June 14 as planned" does not.
            if (
                not has_answer_type(text, kind, question)
                or not values(text, kind) - known
                or not predicate & fact_terms(text)
                or (counted and not names_counted(counted, fact_terms(text)))
            ):
                continue
            # A revision replaces an answer, so it must say all that the question says
            # happened, with its neighbours: "96 ballots were accepted after review" is no
            # new count of the ballots "rejected".
            near = with_neighbours(texts, j)
            near_terms = fact_terms(near)
            if not all(prefix_match(t, near_terms) for t in predicate):
                continue
            coverage = covers_question(f"{chunk.title} {near}", question_terms, claim_terms)
            if coverage < min_coverage:
                continue
            rank = (chunk.date[:10], coverage)
            if best is None or rank > best[0]:
                near_spans = [spans[k] for k in window_indexes(j, len(spans))]
                best = (rank, LaterReport(i, near_spans))
    return best[1] if best else None


def values(text: str, kind: str | None = None) -> set[str]:
    """The numbers and month names of ``text``, normalised: what tells one date or figure from
    another ("October 4, 2025" against "May 10, 2025", "March 2027" against "June 2027");
    for a person, the terms of its capitalised words."""
    if kind == "person":
        return fact_terms(" ".join(CAPITALISED.findall(text)))
    return numbers(text) | (fact_terms(text) & MONTH_NUMBERS.keys())


def later_report_notice(new_date: str, old_date: str, old_claim: str) -> str:
    """The notice beside an answer read from a later report: what the earlier one said."""
    if len(old_claim) > NOTICE_CLAIM_CHARS:
        old_claim = old_claim[: NOTICE_CLAIM_CHARS - 1].rstrip() + "…"
    return LATER_REPORT.format(new_date=new_date[:10], old_date=old_date[:10], old=old_claim)


def asked_kind(question: str) -> str | None:
    """The extractive answerer's kind of answer, with questions about money ("What is the
    budget?") and measures ("How big is the fire?") asking for a figure."""
    kind = expected_type(question)
    if kind is None and (asks_for_money(question) or _MEASURE.search(question)):
        return "number"
    return kind


def _names_a_time(question: str) -> bool:
    """Whether the question names a year, quarter, month or day: it asks of that time, not
    of the story's latest state."""
    found = question_constraints(question)
    return bool(found.years or found.quarters or found.month_days or found.month_years)


def old_quote_window(passage: Passage, quote: str) -> str:
    """The quoted sentence of ``passage`` with its neighbours (the quote alone if it is not a
    sentence of the passage, such as a headline)."""
    spans = passage_sentences(passage)
    texts = [sentence_text(passage, s) for s in spans]
    if quote in texts:
        return with_neighbours(texts, texts.index(quote))
    return quote
