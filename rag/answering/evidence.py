"""The reader's evidence: the retrieved sentences most likely to hold the answer.

Prefill is what a local model pays for, so the reader does not get five whole passages: it
gets the best-scoring sentences of the extractive scorer (question coverage, similarity,
answer type), then their neighbours for context, within a character budget, grouped by the
passage they come from and kept in article order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rag.answering.cite import passage_sentences, sentence_text
from rag.answering.extractive import Candidate, candidates, term_weights, with_similarity
from rag.sentences import Span
from rag.types import Passage

if TYPE_CHECKING:
    import numpy as np

    from rag.embed import Embedder
    from rag.lexical import LexicalIndex
    from rag.settings import Settings


@dataclass
class EvidenceBlock:
    """Sentences of passage ``n`` (1-based, as retrieved) chosen for the reader."""

    n: int
    passage: Passage
    spans: list[Span] = field(default_factory=list)

    def texts(self) -> list[str]:
        """The chosen sentences, in article order."""
        return [sentence_text(self.passage, s) for s in sorted(self.spans, key=lambda s: s.start)]


@dataclass
class Evidence:
    """What the reader is shown, and the extractive scores it was chosen by."""

    blocks: list[EvidenceBlock]
    ranked: list[Candidate]  # every scored sentence, best first

    @property
    def chars(self) -> int:
        """Characters of article text in the evidence."""
        return sum(len(t) for b in self.blocks for t in b.texts())


def _rank(found: list[Candidate], query_vector: np.ndarray, embedder: Embedder) -> list[Candidate]:
    scored = {(c.passage.chunk.chunk_id, c.span.start): c for c in found}
    for c in with_similarity(found, query_vector, embedder):
        scored[(c.passage.chunk.chunk_id, c.span.start)] = c
    return sorted(scored.values(), key=lambda c: -c.score)


def select_evidence(
    question: str,
    passages: list[Passage],
    lexical: LexicalIndex,
    embedder: Embedder,
    settings: Settings,
    query_vector: np.ndarray,
    history_text: str = "",
) -> Evidence:
    """The best ``reader_sentences`` sentences, then their neighbours, in ``reader_max_chars``."""
    weights = term_weights(question, history_text, lexical)
    ranked = _rank(candidates(question, weights, passages), query_vector, embedder)
    number = {id(p): n for n, p in enumerate(passages, start=1)}
    chosen: dict[int, dict[int, Span]] = {}  # passage n -> span start -> span
    budget = settings.reader_max_chars

    def add(n: int, span: Span, text: str) -> bool:
        nonlocal budget
        spans = chosen.setdefault(n, {})
        if span.start in spans:
            return True
        if len(text) > budget:
            return False
        spans[span.start] = span
        budget -= len(text)
        return True

    best = ranked[: settings.reader_sentences]
    for c in best:
        add(number[id(c.passage)], c.span, c.text)
    # Neighbours resolve "he", "the talks", "it": context for the best sentences, best first.
    for c in best:
        spans = passage_sentences(c.passage)
        i = next((k for k, s in enumerate(spans) if s.start == c.span.start), None)
        if i is None:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(spans):
                add(number[id(c.passage)], spans[j], sentence_text(c.passage, spans[j]))
    blocks = [
        EvidenceBlock(n, passages[n - 1], list(spans.values()))
        for n, spans in sorted(chosen.items())
        if spans
    ]
    return Evidence(blocks, ranked)
