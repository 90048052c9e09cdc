"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates, fused into one ranking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rag.store import date_where
from rag.types import Passage

if TYPE_CHECKING:
    import numpy as np

    from rag.corpus import Corpus
    from rag.settings import Settings


@dataclass(frozen=True)
class Filters:
    """Optional limits on what may be retrieved. Dates are ISO ``YYYY-MM-DD``, inclusive."""

    doc_ids: tuple[str, ...] | None = None
    date_from: str | None = None
    date_to: str | None = None

    def chroma_where(self) -> dict[str, Any] | None:
        """The same limits as a Chroma ``where`` clause."""
        clauses = date_where(self.date_from, self.date_to)
        if self.doc_ids is not None:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _rank_scores(ranked: list[tuple[str, float]], rrf_k: int) -> dict[str, float]:
    return {cid: 1.0 / (rrf_k + rank) for rank, (cid, _) in enumerate(ranked, start=1)}


def fuse(
    dense: list[tuple[str, float]], lexical: list[tuple[str, float]], settings: Settings
) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion of two rankings: (chunk_id, fused score), best first.

    RRF needs no score calibration between cosine similarities and BM25 scores, which
    differ in scale from corpus to corpus.
    """
    fused: dict[str, float] = {}
    for weight, ranked in ((settings.dense_weight, dense), (settings.lexical_weight, lexical)):
        for cid, score in _rank_scores(ranked, settings.rrf_k).items():
            fused[cid] = fused.get(cid, 0.0) + weight * score
    return sorted(fused.items(), key=lambda item: -item[1])


def retrieve(
    corpus: Corpus,
    query: str,
    settings: Settings,
    top_k: int | None = None,
    filters: Filters | None = None,
    query_vector: np.ndarray | None = None,
) -> list[Passage]:
    """The ``top_k`` passages for ``query``, best first."""
    top_k = top_k or settings.top_k
    filters = filters or Filters()
    lexical = corpus.lexical
    if query_vector is None:
        query_vector = corpus.embedder.embed([query])[0]
    n = max(settings.candidates, top_k)
    dense = corpus.store.query(query_vector, n, where=filters.chroma_where())
    mask = lexical.mask(filters.doc_ids, filters.date_from, filters.date_to)
    lexical_hits = lexical.search(query, n, mask)
    fused = fuse(dense, lexical_hits, settings)[:top_k]
    stored = corpus.store.get([cid for cid, _ in fused])
    dense_scores = dict(dense)
    lexical_scores = dict(lexical_hits)
    return [
        Passage(stored[cid].chunk, score, dense_scores.get(cid), lexical_scores.get(cid))
        for cid, score in fused
        if cid in stored
    ]
