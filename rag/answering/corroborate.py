"""Second sources: other articles that state a verified claim too, cited beside it.

News reports one fact in several outlets, and the model picks one of them at random as far
as the user is concerned; "Walmart [1][2]" shows the others. A second source is held to more
than the model's own passage: its quoted sentence itself must state the claim and be about
what the question asks (:func:`corroborations`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.answering.cite import passage_sentences, sentence_text
from rag.answering.facts import added_words, fact_terms, polarity_words
from rag.answering.question_fit import (
    counted_noun,
    meets_question_constraints,
    names_counted,
    prefix_match,
)
from rag.answering.verify import (
    NEGATED_QUESTION,
    NEGATION,
    Support,
    covers_question,
    lower_case_terms,
    ordinals_asked,
    states,
    with_neighbours,
)
from rag.sentences import Span
from rag.terms import terms
from rag.types import Passage

# Share of the question's other terms that another article's stating sentence (with its
# title) must cover to be cited beside the answer: half, the "most of" of
# the entity rule, or less when the model's own passage covers less.
MIN_CORROBORATION_COVERAGE = 0.5


# Words a question uses for the kind of answer it wants, which a sentence stating the answer
# need not repeat ("the name of", "what year", "how many").
_KIND_WORDS = frozenset(
    terms(
        "name named call called year years date day days time times month months number "
        "amount percent percentage kind type many much long far old"
    )
)


def predicate_terms(question: str) -> frozenset[str]:
    """The question's lower-case content terms, less the words for the kind of answer it
    wants: what it says happened ("won", "marathon"), as opposed to whom it names."""
    return frozenset(lower_case_terms(question) & fact_terms(question) - _KIND_WORDS)


def corroborations(
    support: Support,
    question: str,
    passages: list[Passage],
    limit: int,
    rarity: Callable[[str], float] | None = None,
    window: tuple[str, str] | None = None,
) -> list[Support]:
    """Up to ``limit`` passages of other articles that state the verified claim of
    ``support`` too: they meet the question's constraints, a sentence of theirs holds every
    word and number of the claim, one of the question's own lower-case words (what it says
    happened) and any place in an order it asks by, and that sentence with its article's
    title covers half of the question's other terms (or as much as the supporting window
    does, if less): a second source must be about the question in the very sentence it is
    quoted for.
    Best-ranked first, one per article; the quote is the stating sentence most about the
    question."""
    if limit <= 0:
        return []
    question_terms = fact_terms(question)
    min_coverage = min(support.coverage, MIN_CORROBORATION_COVERAGE)
    seen = {passages[support.passage_index].chunk.doc_id}
    demands = _SecondSource(
        NEGATED_QUESTION.search(question) is not None,
        added_words(support.claim, question),
        counted_noun(question),
        predicate_terms(question) - fact_terms(support.claim),
        ordinals_asked(question),
    )
    found: list[Support] = []
    for i, passage in enumerate(passages):
        if len(found) >= limit:
            break
        if passage.chunk.doc_id in seen or not meets_question_constraints(
            question, passage, rarity, window
        ):
            continue
        span = _stating_sentence(support.claim, passage, question_terms, min_coverage, demands)
        if span is not None:
            seen.add(passage.chunk.doc_id)
            found.append(Support(i, span, recited=False, claim=support.claim))
    return found


@dataclass(frozen=True)
class _SecondSource:
    """What a second source's sentence must state besides the claim."""

    negated: bool
    added: set[str]
    counted: str | None
    # The question's own words for what happened ("won", "marathon" in "Who won the
    # marathon?"), one of them in the sentence itself: "Amara Okafor finished second" names
    # the winner under a marathon headline, but not as its winner.
    predicate: frozenset[str]
    ordinals: tuple[re.Pattern[str], ...]


def _stating_sentence(
    claim: str,
    passage: Passage,
    question_terms: set[str],
    min_coverage: float,
    demands: _SecondSource,
) -> Span | None:
    spans = passage_sentences(passage)
    texts = [sentence_text(passage, s) for s in spans]
    claim_terms = fact_terms(claim)
    best: tuple[float, Span] | None = None
    for i, span in enumerate(spans):
        # The quote must itself state the claim: a neighbour holding it is enough for the
        # model's own choice, not for a second source shown beside it.
        if not states(claim, texts[i]):
            continue
        if demands.added and not demands.added <= polarity_words(texts[i]):
            continue
        if demands.predicate and not any(
            prefix_match(t, fact_terms(texts[i])) for t in demands.predicate
        ):
            continue
        if not all(o.search(texts[i]) for o in demands.ordinals):
            continue
        if demands.negated and not NEGATION.search(with_neighbours(texts, i)):
            continue
        window = f"{passage.chunk.title} {texts[i]}"
        if demands.counted and not names_counted(demands.counted, fact_terms(window)):
            continue
        if covers_question(window, question_terms, claim_terms) < min_coverage:
            continue
        about = covers_question(texts[i], question_terms, claim_terms)
        if best is None or about > best[0]:
            best = (about, span)
    return best[1] if best else None
