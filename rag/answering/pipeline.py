"""Answering a question: check it, search, then answer with an LLM or extractively."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answering.cite import make_citation
from rag.answering.corroborate import corroborations
from rag.answering.extractive import extractive_answer, shown_quote
from rag.answering.followup import history_context, search_query, standalone_question
from rag.answering.inputs import check_filters, check_history, check_question, check_top_k
from rag.answering.question_fit import sentence_fit
from rag.answering.span import complete_span
from rag.answering.verify import ECHOES_QUESTION, Verdict, verify_claim
from rag.constraints import as_of_date, window_met
from rag.errors import ProviderError
from rag.retrieve import Filters, retrieve
from rag.types import Answer, Citation, Passage, Preview

if TYPE_CHECKING:
    from rag.answering.evidence import Evidence
    from rag.answering.llm import Reply
    from rag.answering.passages import ValidatedAnswer
    from rag.answering.reader import ReaderReply
    from rag.corpus import Corpus
    from rag.settings import Settings

EXTRACTIVE_MODEL = "extractive"
# Shown beside the refusal of a question none of whose words the articles use: a misspelling,
# or a question asked in another language than the articles'.
NO_KNOWN_WORD = (
    "No word of the question occurs in the indexed articles, so they cannot answer it (if "
    "they should, check the spelling and ask in the language the articles are written in)."
)
# Beside the refusal when the index holds no article at all.
NO_ARTICLES = (
    "No articles are indexed yet: add some with `rag index PATH` or the Manage articles tab, "
    "then ask again."
)
# The refusal, without retrieving, when more than half of the question's content words (and
# at least two) occur in no article: a question in another language, misspelt, or about
# something else.
MOSTLY_UNKNOWN = (
    "Most words of the question ({words}) occur in no indexed article, so the articles "
    "likely do not cover it (if they should, check the spelling and ask in the language "
    "they are written in)."
)
# Beside a refusal under a date range, when articles without a date were left out by it.
NONE_IN_RANGE = (
    "No article is dated from {first} to {last}: widen the date range or ask without it "
    "(`rag documents` lists the articles' dates)."
)
UNDATED_LEFT_OUT = (
    "The date range leaves out {count} article(s) without a date; ask without it to "
    "search them too."
)
MOSTLY_UNKNOWN_SHARE = 0.5
MOSTLY_UNKNOWN_MIN_WORDS = 2
MOSTLY_UNKNOWN_SHOWN = 4  # words named in the notice
_MARKER = re.compile(r"\[(\d+)\]")
_FINAL_STOP = re.compile(r"(.*?)([.!?]*)$", re.S)
_MARKERS_AT_END = re.compile(r"(?:\s*\[\d+\])+\s*$")


def _claim(answer: str) -> str:
    """A short answer's claim: its text without the ``[n]`` markers at its end."""
    return _MARKERS_AT_END.sub("", answer).strip()


@dataclass
class Prepared:
    """A checked question and what was retrieved for it."""

    question: str  # what is read and checked: the user's question, or its completed form
    history: list[dict]
    search: str
    passages: list[Passage]
    query_vector: object
    retrieve_ms: float
    rarity: Callable[[str], float] | None = None  # a term's IDF in the index, for checks
    window: tuple[str, str] | None = None  # the dates a relative time names, if any are met
    # For the user beside a refusal, when the question could not be searched as asked.
    notice: str | None = None
    asked: str | None = None  # the user's words, where ``question`` completed a follow-up


def _mostly_unknown(unknown: tuple[list[str], int]) -> str | None:
    """:data:`MOSTLY_UNKNOWN` naming the unknown words, when they are most of the question's."""
    words, content = unknown
    if len(words) < MOSTLY_UNKNOWN_MIN_WORDS or len(words) <= MOSTLY_UNKNOWN_SHARE * content:
        return None
    named = ", ".join(dict.fromkeys(words[:MOSTLY_UNKNOWN_SHOWN]))
    return MOSTLY_UNKNOWN.format(words=named)


def _undated_left_out(corpus: Corpus, filters: Filters | None) -> str | None:
    """:data:`NONE_IN_RANGE` when no article (of those the document filter allows) is dated
    in a date range, else :data:`UNDATED_LEFT_OUT` when the range excludes undated ones."""
    if filters is None or not (filters.date_from or filters.date_to):
        return None
    allowed = set(filters.doc_ids) if filters.doc_ids is not None else None
    dates = [
        info.date
        for doc_id, info in corpus.documents().items()
        if allowed is None or doc_id in allowed
    ]
    first, last = filters.date_from or "0000-00-00", filters.date_to or "9999-12-31"
    if not any(d and first <= d[:10] <= last for d in dates):
        return NONE_IN_RANGE.format(first=filters.date_from or "…", last=filters.date_to or "…")
    count = sum(1 for d in dates if not d)
    return UNDATED_LEFT_OUT.format(count=count) if count else None


def prepare(
    corpus: Corpus,
    question: str,
    history: list[dict] | None,
    top_k: int | None,
    filters: Filters | None,
) -> Prepared:
    """Check the input and retrieve passages for it."""
    settings = corpus.settings
    started = time.perf_counter()
    question = check_question(question, settings.max_question_chars)
    check_top_k(top_k)
    turns = check_history(history, settings.max_history_chars)
    check_filters(filters, corpus.documents() if filters and filters.doc_ids else ())
    asked = question
    # "And who led Ukraine's?" completed from the previous question is read and checked as
    # asked in full, not only searched so. The completed question needs no history, and a
    # small reader shown the previous answer tends to repeat it.
    completed = standalone_question(question, turns)
    if completed:
        question, turns = completed, []
    search = search_query(question, turns)
    if settings.rewrites_followups and search != question:
        from rag.answering.rewrite import rewrite_query

        # A failed or skipped rewrite keeps the rule-based expansion.
        search = rewrite_query(question, turns, settings, fallback=search)
    vector = corpus.embedder.embed([search])[0]
    lexical = corpus.lexical
    passages: list[Passage] = []
    notice = None
    # A question that shares no word with any article ("asdf qwer") is about none of them;
    # the nearest vectors would still hand the reader passages to answer from.
    if lexical is None or not lexical.knows_any(search):
        notice = NO_KNOWN_WORD if lexical is not None and lexical.documents else NO_ARTICLES
    # Nor can articles that never use most of the question's words state its answer ("What
    # did the library renovation cost?" where no article has "library" or "renovation"): the
    # reader would answer from the nearest passages all the same (the bridge's cost).
    elif not (notice := _mostly_unknown(lexical.unknown_words(question))):
        passages = retrieve(corpus, search, settings, top_k, filters, query_vector=vector)
    notice = notice or _undated_left_out(corpus, filters)
    as_of = as_of_date(filters.as_of if filters else None)
    window = window_met(
        search,
        as_of,
        [p.chunk.date for p in passages],
        lexical.has_dated_between if lexical is not None else None,
    )
    return Prepared(
        question,
        turns,
        search,
        passages,
        vector,
        (time.perf_counter() - started) * 1000,
        corpus.lexical.rarity,
        window,
        notice,
        asked,
    )


def _scorer_inputs(corpus: Corpus, prepared: Prepared) -> tuple:
    """What the sentence scorer (extractive answer, reader evidence) reads, in its order."""
    return (
        prepared.question,
        prepared.passages,
        corpus.lexical,
        corpus.embedder,
        corpus.settings,
        prepared.query_vector,
        history_context(prepared.question, prepared.history),
    )


def _extractive(corpus: Corpus, prepared: Prepared) -> tuple[str, list[Citation], bool]:
    fits = None
    if corpus.settings.extractive_question_fit:
        fits = sentence_fit(prepared.question, prepared.rarity, prepared.window)
    return extractive_answer(*_scorer_inputs(corpus, prepared), fits=fits)


@dataclass
class Checked:
    """A generated answer after verification: what may be shown, and what was removed."""

    text: str
    citations: list[Citation]
    abstained: bool
    unsupported: int = 0
    recited: int = 0
    invalid: int = 0
    echoed: bool = False  # refused because the claim only repeated the question
    wrong_kind: str | None = None  # refused for not being the kind of answer asked for
    notice: str | None = None  # shown beside the answer (a later report's update)


def _result(
    prepared: Prepared,
    checked: Checked,
    model: str,
    answer_started: float,
    notice: str | None = None,
    reply: Reply | None = None,
) -> Answer:
    answer_ms = (time.perf_counter() - answer_started) * 1000
    timings = {
        "retrieve": round(prepared.retrieve_ms, 2),
        "answer": round(answer_ms, 2),
        "total": round(prepared.retrieve_ms + answer_ms, 2),
    }
    if reply is not None:
        timings.update(reply.timings())
    return Answer(
        question=prepared.asked or prepared.question,
        answer=checked.text,
        abstained=checked.abstained,
        citations=checked.citations,
        retrieved=[p.chunk.doc_id for p in prepared.passages],
        model=model,
        timings_ms=timings,
        search_query=prepared.search if prepared.search != prepared.asked else None,
        notice=notice or checked.notice or (prepared.notice if checked.abstained else None),
        invalid_citations=checked.invalid,
        unsupported_claims=checked.unsupported,
        recited_claims=checked.recited,
    )


def _extractive_answer(
    corpus: Corpus, prepared: Prepared, started: float, notice: str | None = None
) -> Answer:
    if not prepared.passages:
        refusal = Checked(corpus.settings.refusal_text, [], True)
        return _result(prepared, refusal, EXTRACTIVE_MODEL, started, notice)
    text, citations, abstained = _extractive(corpus, prepared)
    return _result(prepared, Checked(text, citations, abstained), EXTRACTIVE_MODEL, started, notice)


def _fallback(corpus: Corpus, prepared: Prepared, started: float, exc: ProviderError) -> Answer:
    """The extractive answer, with a notice saying why the LLM's was not used."""
    notice = f"The language model failed ({exc}); showing the extractive answer instead."
    return _extractive_answer(corpus, prepared, started, notice)


# --------------------------------------------------------------------------- evidence reader


def _evidence(corpus: Corpus, prepared: Prepared) -> Evidence:
    from rag.answering.evidence import select_evidence

    return select_evidence(*_scorer_inputs(corpus, prepared))


def _verify(claim: str, cited: int, prepared: Prepared, settings: Settings) -> Verdict:
    """``claim``, citing passage ``cited`` (1-based), checked with the settings' thresholds."""
    return verify_claim(
        claim,
        cited,
        prepared.question,
        prepared.passages,
        settings.verify_min_share,
        settings.verify_min_question_share,
        prepared.rarity,
        prepared.window,
        settings.verify_min_entity_share,
    )


def check_reading(reading: ReaderReply, prepared: Prepared, settings: Settings) -> Checked:
    """The reader's answer if a passage holds it (re-cited where needed), else the refusal."""
    refusal = Checked(settings.refusal_text, [], True)
    if reading.is_refusal:
        return refusal
    claim = _claim(reading.answer)
    verdict = _verify(claim, reading.passage, prepared, settings)
    if verdict.support is None:
        echoed = verdict.reason == ECHOES_QUESTION
        return Checked(
            settings.refusal_text,
            [],
            True,
            unsupported=1,
            echoed=echoed,
            wrong_kind=verdict.wrong_kind,
        )
    passage = prepared.passages[verdict.support.passage_index]
    citation = make_citation(1, passage, verdict.support.span, verdict.support.in_title)
    held = verdict.support.claim or claim
    shown = held
    if settings.reader_complete_span:
        shown = complete_span(held, citation.quote, prepared.question)
    others = corroborations(
        verdict.support,
        prepared.question,
        prepared.passages,
        settings.reader_corroborating_citations,
        prepared.rarity,
        prepared.window,
    )
    citations = [citation] + [
        make_citation(n, prepared.passages[s.passage_index], s.span)
        for n, s in enumerate(others, start=2)
    ]
    markers = "".join(f"[{c.n}]" for c in citations)
    return Checked(
        f"{shown_quote(shown)} {markers}",
        citations,
        False,
        unsupported=int(held != claim),  # a removed apposition is a removed claim
        recited=int(verdict.support.recited),
    )


def _answer_by_reader(corpus: Corpus, prepared: Prepared, started: float) -> Answer:
    from rag.answering.reader import read

    settings = corpus.settings
    evidence = _evidence(corpus, prepared)
    if not evidence.blocks:
        return _result(
            prepared, Checked(settings.refusal_text, [], True), EXTRACTIVE_MODEL, started
        )
    try:
        reading = read(prepared.question, evidence, prepared.history, settings)
    except ProviderError as exc:
        return _fallback(corpus, prepared, started, exc)
    checked, reading = _reasked(
        check_reading(reading, prepared, settings), reading, evidence, prepared, settings
    )
    checked = _confirmed(checked, reading, prepared, settings)
    checked, reading = _updated(checked, reading, prepared, settings)
    return _result(prepared, checked, settings.generator or "", started, reply=reading.reply)


def _reasked(
    checked: Checked,
    reading: ReaderReply,
    evidence: Evidence,
    prepared: Prepared,
    settings: Settings,
) -> tuple[Checked, ReaderReply]:
    """An answer refused for only repeating the question (``reader_reask_echo``), or for not
    being the kind of answer asked for (``reader_reask_kind``), is asked once more in the same
    conversation, and the new answer is checked the same way. A provider failure keeps the
    refusal."""
    echo = settings.reader_reask_echo and checked.echoed
    kind = checked.wrong_kind if settings.reader_reask_kind else None
    if not echo and kind is None:
        return checked, reading
    from rag.answering.reader import reask

    try:
        again = reask(reading, evidence, settings, None if echo else kind)
    except ProviderError:
        return checked, reading
    if reading.reply is not None and again.reply is not None:
        again = dataclasses.replace(again, reply=reading.reply.plus(again.reply))
    rechecked = check_reading(again, prepared, settings)
    rechecked.unsupported += checked.unsupported
    return rechecked, again


def _confirmed(
    checked: Checked, reading: ReaderReply, prepared: Prepared, settings: Settings
) -> Checked:
    """With ``reader_confirm``: keep a verified answer only if the model confirms that its
    quoted sentence states it; a provider failure keeps the verified answer."""
    if not settings.reader_confirm or checked.abstained or not checked.citations:
        return checked
    from rag.answering.reader import confirm

    citation = checked.citations[0]
    claim = _claim(checked.text)
    try:
        stated = confirm(reading, claim, citation.quote, settings)
    except ProviderError:
        return checked
    if stated:
        return checked
    return Checked(settings.refusal_text, [], True, unsupported=checked.unsupported + 1)


def _updated(
    checked: Checked, reading: ReaderReply, prepared: Prepared, settings: Settings
) -> tuple[Checked, ReaderReply]:
    """With ``reader_later_reports``: a date or figure read from an older article is read
    again from a later one that reports another (``latest.py``); the later answer, checked
    the same way, replaces it only when a later article holds it. A provider failure keeps
    the first answer."""
    if not settings.reader_later_reports or checked.abstained or not checked.citations:
        return checked, reading
    from rag.answering.evidence import Evidence, EvidenceBlock
    from rag.answering.latest import asked_kind, later_report, later_report_notice, values
    from rag.answering.reader import read

    first = checked.citations[0]
    cited = next((i for i, p in enumerate(prepared.passages) if p.chunk.text == first.text), None)
    if cited is None or first.date is None:
        return checked, reading
    claim = _claim(checked.text)
    kind = asked_kind(prepared.question)
    later = later_report(
        claim,
        first.quote,
        cited,
        prepared.question,
        prepared.passages,
        prepared.rarity,
        prepared.window,
    )
    if later is None:
        return checked, reading
    passage = prepared.passages[later.passage_index]
    evidence = Evidence([EvidenceBlock(later.passage_index + 1, passage, later.spans)], [])
    try:
        again = read(prepared.question, evidence, None, settings)
    except ProviderError:
        return checked, reading
    if reading.reply is not None and again.reply is not None:
        again = dataclasses.replace(again, reply=reading.reply.plus(again.reply))
    rechecked = check_reading(again, prepared, settings)
    if (
        rechecked.abstained
        or (rechecked.citations[0].date or "") <= first.date
        or values(_claim(rechecked.text), kind) <= values(claim, kind)
    ):
        return checked, dataclasses.replace(reading, reply=again.reply)
    rechecked.unsupported += checked.unsupported
    rechecked.recited += checked.recited
    rechecked.notice = later_report_notice(rechecked.citations[0].date or "", first.date, claim)
    return rechecked, again


# --------------------------------------------------------------------------- passages prompt


def check_free_text(result: ValidatedAnswer, prepared: Prepared, settings: Settings) -> Checked:
    """Each sentence of a free-text answer, kept only where a passage holds it."""
    from rag.answering.passages import split_sentences

    if result.is_refusal:
        return Checked(settings.refusal_text, [], True, invalid=result.invalid_markers)
    citations: list[Citation] = []
    # (passage index, quote start, quoted from the title) -> citation n
    numbers: dict[tuple[int, int, bool], int] = {}
    kept: list[str] = []
    unsupported = recited = 0
    for sentence in split_sentences(result.text):
        cited = [int(m) for m in _MARKER.findall(sentence)]
        claim = _MARKER.sub("", sentence).strip()
        verdict = _verify(claim, cited[0] if cited else 0, prepared, settings)
        if verdict.support is None:
            unsupported += 1
            continue
        support = verdict.support
        recited += int(support.recited)
        unsupported += int(support.claim not in ("", claim))
        claim = support.claim or claim
        key = (support.passage_index, support.span.start, support.in_title)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            passage = prepared.passages[key[0]]
            citations.append(make_citation(numbers[key], passage, support.span, support.in_title))
        body, stop = _FINAL_STOP.match(claim).groups()
        kept.append(f"{shown_quote(body.rstrip())} [{numbers[key]}]{stop}")
    if not kept:
        return Checked(settings.refusal_text, [], True, unsupported, 0, result.invalid_markers)
    return Checked(" ".join(kept), citations, False, unsupported, recited, result.invalid_markers)


def _answer_by_passages(corpus: Corpus, prepared: Prepared, started: float) -> Answer:
    from rag.answering.passages import llm_answer

    settings = corpus.settings
    try:
        result = llm_answer(
            prepared.question,
            prepared.passages,
            prepared.history,
            settings,
            refusal=settings.refusal_text,
        )
    except ProviderError as exc:
        return _fallback(corpus, prepared, started, exc)
    checked = check_free_text(result, prepared, settings)
    return _result(prepared, checked, settings.generator or "", started)


def answer_prepared(corpus: Corpus, prepared: Prepared) -> Answer:
    """Answer a prepared question: with the LLM if one is chosen, falling back to extractive."""
    settings = corpus.settings
    started = time.perf_counter()
    if not settings.generator or not prepared.passages:
        return _extractive_answer(corpus, prepared, started)
    if settings.llm_reader == "evidence":
        return _answer_by_reader(corpus, prepared, started)
    return _answer_by_passages(corpus, prepared, started)


def answer_question(
    corpus: Corpus,
    question: str,
    history: list[dict] | None = None,
    top_k: int | None = None,
    filters: Filters | None = None,
) -> Answer:
    """Answer ``question`` from the corpus; see :class:`rag.types.Answer`."""
    return answer_prepared(corpus, prepare(corpus, question, history, top_k, filters))


def _stream_by_reader(
    corpus: Corpus, prepared: Prepared, started: float
) -> Iterator[str | Answer | Preview]:
    from rag.answering.reader import read_stream

    settings = corpus.settings
    preview = _extractive_answer(corpus, prepared, started)
    yield Preview(preview)
    evidence = _evidence(corpus, prepared)
    if not evidence.blocks:
        yield preview
        return
    try:
        stream = read_stream(prepared.question, evidence, prepared.history, settings)
        yield from stream
        reading = stream.finish()
    except ProviderError as exc:
        yield _fallback(corpus, prepared, started, exc)
        return
    checked, reading = _reasked(
        check_reading(reading, prepared, settings), reading, evidence, prepared, settings
    )
    checked = _confirmed(checked, reading, prepared, settings)
    checked, reading = _updated(checked, reading, prepared, settings)
    yield _result(prepared, checked, settings.generator or "", started, reply=reading.reply)


def _stream_by_passages(
    corpus: Corpus, prepared: Prepared, started: float
) -> Iterator[str | Answer]:
    from rag.answering.passages import llm_answer_stream

    settings = corpus.settings
    try:
        stream = llm_answer_stream(
            prepared.question,
            prepared.passages,
            prepared.history,
            settings,
            refusal=settings.refusal_text,
        )
        yield from stream
        result = stream.finish()
    except ProviderError as exc:
        yield _fallback(corpus, prepared, started, exc)
        return
    checked = check_free_text(result, prepared, settings)
    yield _result(prepared, checked, settings.generator or "", started)


def answer_stream(
    corpus: Corpus,
    question: str,
    history: list[dict] | None = None,
    top_k: int | None = None,
    filters: Filters | None = None,
) -> Iterator[str | Answer | Preview]:
    """Yield a :class:`Preview` (LLM answers only), text deltas as they come, then the final
    :class:`Answer`. The final answer is the verified one: show it in place of the deltas.

    With the extractive answerer the whole text comes as one delta.
    """
    prepared = prepare(corpus, question, history, top_k, filters)
    settings = corpus.settings
    started = time.perf_counter()
    if settings.generator and prepared.passages and settings.llm_reader == "evidence":
        yield from _stream_by_reader(corpus, prepared, started)
        return
    if settings.generator and prepared.passages:
        yield from _stream_by_passages(corpus, prepared, started)
        return
    final = answer_prepared(corpus, prepared)
    yield final.answer
    yield final
