"""Answering a question: check it, search, then answer with an LLM or extractively."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answering.cite import best_quote, make_citation
from rag.answering.extractive import extractive_answer
from rag.answering.followup import history_context, search_query
from rag.errors import InputError, InputTooLargeError, ProviderError
from rag.retrieve import Filters, retrieve
from rag.types import Answer, Citation, Passage

if TYPE_CHECKING:
    from rag.answering.llm import ValidatedAnswer
    from rag.corpus import Corpus
    from rag.settings import Settings

EXTRACTIVE_MODEL = "extractive"
# Control characters, invisible format characters (zero-width space, word joiner, BOM, bidi
# overrides) and lone surrogates (a JSON "\ud800" escape), which the tokenizer cannot encode.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)
_MARKER = re.compile(r"\[(\d+)\]")


def check_question(question: str, max_chars: int) -> str:
    """The question with control characters removed; empty or too long is an error."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    cleaned = _CONTROL.sub(" ", question).strip()
    if not cleaned:
        raise InputError("the question is empty: type a question about the articles")
    if len(cleaned) > max_chars:
        raise InputTooLargeError(
            f"the question has {len(cleaned)} characters, over the limit of {max_chars}: "
            "shorten it (or raise RAG_MAX_QUESTION_CHARS)"
        )
    return cleaned


def check_history(history: list[dict] | None) -> list[dict]:
    """History as a list of {"role", "content"} turns; anything else is an error."""
    turns = []
    for turn in history or []:
        if not isinstance(turn, dict) or turn.get("role") not in {"user", "assistant", "system"}:
            raise InputError(
                'history must be a list of {"role": "user"|"assistant", "content": "..."} objects'
            )
        content = _CONTROL.sub(" ", str(turn.get("content") or ""))
        turns.append({"role": turn["role"], "content": content})
    return turns


@dataclass
class Prepared:
    """A checked question and what was retrieved for it."""

    question: str
    history: list[dict]
    search: str
    passages: list[Passage]
    query_vector: object
    retrieve_ms: float


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
    turns = check_history(history)
    search = search_query(question, turns)
    if settings.llm_model and search != question:
        from rag.answering.llm import rewrite_query

        search = rewrite_query(question, turns, settings)
    vector = corpus.embedder.embed([search])[0]
    passages = retrieve(corpus, search, settings, top_k, filters, query_vector=vector)
    return Prepared(
        question, turns, search, passages, vector, (time.perf_counter() - started) * 1000
    )


def llm_citations(text: str, passages: list[Passage]) -> list[Citation]:
    """One citation per passage the LLM cited, quoting its sentence closest to the claim."""
    from rag.answering.llm import split_sentences

    citations: dict[int, Citation] = {}
    for sentence in split_sentences(text):
        for match in _MARKER.finditer(sentence):
            n = int(match.group(1))
            if n not in citations and 1 <= n <= len(passages):
                passage = passages[n - 1]
                citations[n] = make_citation(n, passage, best_quote(passage, sentence))
    return [citations[n] for n in sorted(citations)]


def _extractive(corpus: Corpus, prepared: Prepared) -> tuple[str, list[Citation], bool]:
    return extractive_answer(
        prepared.question,
        prepared.passages,
        corpus.lexical,
        corpus.embedder,
        corpus.settings,
        prepared.query_vector,
        history_context(prepared.question, prepared.history),
    )


def _result(
    prepared: Prepared,
    text: str,
    citations: list[Citation],
    abstained: bool,
    model: str,
    answer_started: float,
    notice: str | None = None,
    invalid: int = 0,
) -> Answer:
    answer_ms = (time.perf_counter() - answer_started) * 1000
    return Answer(
        question=prepared.question,
        answer=text,
        abstained=abstained,
        citations=citations,
        retrieved=[p.chunk.doc_id for p in prepared.passages],
        model=model,
        timings_ms={
            "retrieve": round(prepared.retrieve_ms, 2),
            "answer": round(answer_ms, 2),
            "total": round(prepared.retrieve_ms + answer_ms, 2),
        },
        search_query=prepared.search if prepared.search != prepared.question else None,
        notice=notice,
        invalid_citations=invalid,
    )


def _fallback(corpus: Corpus, prepared: Prepared, started: float, exc: ProviderError) -> Answer:
    """The extractive answer, with a notice saying why the LLM's was not used."""
    text, citations, abstained = _extractive(corpus, prepared)
    notice = f"The language model failed ({exc}); showing the extractive answer instead."
    return _result(prepared, text, citations, abstained, EXTRACTIVE_MODEL, started, notice=notice)


def _from_llm(
    prepared: Prepared, result: ValidatedAnswer, settings: Settings, started: float
) -> Answer:
    """The answer for a validated LLM reply (a refusal abstains, with no citations)."""
    model = settings.llm_model or ""
    if result.is_refusal:
        return _result(
            prepared,
            settings.refusal_text,
            [],
            True,
            model,
            started,
            invalid=result.invalid_markers,
        )
    return _result(
        prepared,
        result.text,
        llm_citations(result.text, prepared.passages),
        False,
        model,
        started,
        invalid=result.invalid_markers,
    )


def answer_prepared(corpus: Corpus, prepared: Prepared) -> Answer:
    """Answer a prepared question: with the LLM if one is set, falling back to extractive."""
    settings = corpus.settings
    started = time.perf_counter()
    if settings.llm_model and prepared.passages:
        from rag.answering.llm import llm_answer

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
        return _from_llm(prepared, result, settings, started)
    if not prepared.passages:
        return _result(prepared, settings.refusal_text, [], True, EXTRACTIVE_MODEL, started)
    text, citations, abstained = _extractive(corpus, prepared)
    return _result(prepared, text, citations, abstained, EXTRACTIVE_MODEL, started)


def answer_question(
    corpus: Corpus,
    question: str,
    history: list[dict] | None = None,
    top_k: int | None = None,
    filters: Filters | None = None,
) -> Answer:
    """Answer ``question`` from the corpus; see :class:`rag.types.Answer`."""
    return answer_prepared(corpus, prepare(corpus, question, history, top_k, filters))


def answer_stream(
    corpus: Corpus,
    question: str,
    history: list[dict] | None = None,
    top_k: int | None = None,
    filters: Filters | None = None,
) -> Iterator[str | Answer]:
    """Yield text deltas as they come, then the final :class:`Answer`.

    With the extractive answerer the whole text comes as one delta.
    """
    prepared = prepare(corpus, question, history, top_k, filters)
    settings = corpus.settings
    if settings.llm_model and prepared.passages:
        from rag.answering.llm import llm_answer_stream

        started = time.perf_counter()
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
        yield _from_llm(prepared, result, settings, started)
        return
    final = answer_prepared(corpus, prepared)
    yield final.answer
    yield final
