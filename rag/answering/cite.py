"""Citations: the sentence of a passage that supports a claim, located in the article."""

from __future__ import annotations

from rag.sentences import Span, split_sentences
from rag.terms import terms
from rag.types import Citation, Passage


def passage_sentences(passage: Passage) -> list[Span]:
    """The sentences of a passage as spans in the cleaned article text."""
    return split_sentences(passage.chunk.text, offset=passage.chunk.start)


def sentence_text(passage: Passage, span: Span) -> str:
    """The text of ``span`` (article offsets) inside ``passage``."""
    base = passage.chunk.start
    return passage.chunk.text[span.start - base : span.end - base]


def make_citation(n: int, passage: Passage, span: Span, in_title: bool = False) -> Citation:
    """A citation whose quote is ``span`` of ``passage``, or its article's title when the
    headline is what states the claim (``in_title``: the quote is then the title, with the
    empty offsets 0, 0, as it is no part of the article text)."""
    chunk = passage.chunk
    return Citation(
        n=n,
        doc_id=chunk.doc_id,
        title=chunk.title,
        url=chunk.url,
        date=chunk.date,
        text=chunk.text,
        quote=chunk.title if in_title else sentence_text(passage, span),
        start=0 if in_title else span.start,
        end=0 if in_title else span.end,
        score=round(float(passage.score), 6),
        quote_in="title" if in_title else "text",
    )


def best_quote(passage: Passage, claim: str) -> Span:
    """The sentence of ``passage`` sharing the most terms with ``claim`` (first on ties)."""
    spans = passage_sentences(passage)
    if not spans:
        return Span(passage.chunk.start, passage.chunk.end)
    claim_terms = set(terms(claim))
    return max(spans, key=lambda s: len(claim_terms & set(terms(sentence_text(passage, s)))))
