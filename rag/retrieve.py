"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates, fused into one ranking.

Each retriever proposes its best ``candidates``; every proposed chunk then gets *both* scores
(its cosine similarity from the stored vector, its BM25 score from the full score vector), so
a chunk that one retriever ranks first and the other merely misses is not lost in fusion.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from rag.chunk import embedding_text
from rag.constraints import Constraints, as_of_date, met_share, question_constraints
from rag.errors import InputError
from rag.store import date_number, date_where
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
    # The date the question is asked as of (None: today): relative times ("this week") count
    # back from it (rag.constraints), and nothing dated after it is retrieved.
    as_of: str | None = None

    def chroma_where(self) -> dict[str, Any] | None:
        """The same limits as a Chroma ``where`` clause."""
        clauses = date_where(self.date_from, self.date_to)
        if self.as_of:  # nothing published after the as-of day; undated articles stay
            known = [{"date_num": {"$lte": date_number(self.as_of)}}, {"date_num": {"$eq": 0}}]
            clauses.append({"$or": known})
        if self.doc_ids is not None:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _check_date(value: str | None, name: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise InputError(f"{name} {value!r} is not a date: use YYYY-MM-DD") from None


def make_filters(
    doc_ids: list[str] | tuple[str, ...] | str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    as_of: str | None = None,
    names: tuple[str, str, str] = ("date_from", "date_to", "as_of"),
) -> Filters | None:
    """Checked :class:`Filters` (None when nothing limits the search): a bad date, or a range
    that ends before it starts, is an :class:`InputError` naming the dates by ``names`` (the
    CLI's flags, say). One document id may be given as a string."""
    from_name, to_name, as_of_name = names
    start = _check_date(date_from, from_name)
    end = _check_date(date_to, to_name)
    asked_on = _check_date(as_of, as_of_name)
    if start and end and start > end:
        raise InputError(f"{from_name} {start} is after {to_name} {end}: swap them")
    if isinstance(doc_ids, str):
        doc_ids = [doc_ids]
    ids = tuple(str(d) for d in doc_ids or () if str(d).strip()) or None
    if ids is None and start is None and end is None and asked_on is None:
        return None
    return Filters(ids, start, end, asked_on)


@dataclass(frozen=True)
class Scored:
    """A candidate chunk with both retrievers' scores."""

    chunk_id: str
    dense: float
    lexical: float
    doc_lexical: float = 0.0  # BM25 summed over all passages of the chunk's article
    title: float = 0.0  # rarity-weighted share of the question's terms in the article's title


def _min_max(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high - low <= 0:
        return [1.0 if high > 0 else 0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def _ranks(values: list[float]) -> list[int]:
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0] * len(values)
    for rank, i in enumerate(order, start=1):
        ranks[i] = rank
    return ranks


def fuse(candidates: list[Scored], settings: Settings) -> list[tuple[str, float]]:
    """One ranking from both scores: (chunk_id, fused score), best first.

    ``convex`` adds the min-max normalised scores with the configured weights (scales differ
    between cosine and BM25, and between corpora, hence the normalisation); ``rrf`` adds
    1 / (k + rank) of each retriever's ranking.
    """
    if not candidates:
        return []
    signals = [
        (settings.dense_weight, [c.dense for c in candidates]),
        (settings.lexical_weight, [c.lexical for c in candidates]),
    ]
    if settings.doc_weight > 0:
        signals.append((settings.doc_weight, [c.doc_lexical for c in candidates]))
    if settings.title_weight > 0:
        signals.append((settings.title_weight, [c.title for c in candidates]))
    fused = [0.0] * len(candidates)
    if settings.fusion == "rrf":
        k = settings.rrf_k
        for weight, values in signals:
            for i, rank in enumerate(_ranks(values)):
                fused[i] += weight / (k + rank)
    else:
        total = sum(weight for weight, _ in signals) or 1.0
        for weight, values in signals:
            for i, value in enumerate(_min_max(values)):
                fused[i] += weight * value / total
    ranked = sorted(
        zip((c.chunk_id for c in candidates), fused, strict=True), key=lambda item: -item[1]
    )
    return ranked


def apply_constraints(
    ranked: list[tuple[str, float]],
    constraints: Constraints,
    stored: dict[str, Any],
    weight: float,
) -> list[tuple[str, float]]:
    """Raise passages that meet the years, dates and numbers the question names.

    The bonus is ``weight`` times the share of constraints met, in units of the spread of
    the fused scores, so it means the same under convex and reciprocal-rank fusion. A
    relative time that no candidate's article date falls in tells nothing and is dropped
    (an archive older than the as-of date ranks as if the question named no time).
    """
    if constraints.window and not any(
        constraints.in_window(item.chunk.date) for item in stored.values()
    ):
        constraints = replace(constraints, window=None)
    if not constraints or weight <= 0 or not ranked:
        return ranked
    spread = (ranked[0][1] - ranked[-1][1]) or 1.0
    out = []
    for cid, score in ranked:
        item = stored.get(cid)
        if item is not None:
            chunk = item.chunk
            score += weight * spread * met_share(constraints, embedding_text(chunk), chunk.date)
        out.append((cid, score))
    return sorted(out, key=lambda pair: -pair[1])


def diversify(ranked: list[tuple[str, float]], per_doc: int, top_k: int) -> list[tuple[str, float]]:
    """The first ``top_k`` with at most ``per_doc`` passages of one article, topped up in
    rank order from the passed-over ones when there are too few other articles."""
    if per_doc <= 0:
        return ranked[:top_k]
    kept: list[tuple[str, float]] = []
    held: list[tuple[str, float]] = []
    counts: dict[str, int] = {}
    for cid, score in ranked:
        doc = cid.rsplit("::", 1)[0]
        if counts.get(doc, 0) < per_doc:
            counts[doc] = counts.get(doc, 0) + 1
            kept.append((cid, score))
            if len(kept) == top_k:
                return kept
        else:
            held.append((cid, score))
    return kept + held[: top_k - len(kept)]


def candidates(
    corpus: Corpus,
    query: str,
    query_vector: np.ndarray,
    n: int,
    filters: Filters,
    with_titles: bool = False,
) -> list[Scored]:
    """The union of both retrievers' top ``n``, each chunk with both scores (and, with
    ``with_titles``, its article title's match of the query)."""
    lexical = corpus.lexical
    dense_hits = dict(corpus.store.query(query_vector, n, where=filters.chroma_where()))
    mask = lexical.mask(filters.doc_ids, filters.date_from, filters.date_to, filters.as_of)
    bm25 = lexical.scores(query, mask)
    lexical_hits: list[str] = []
    if bm25 is not None:
        import numpy as np

        top = np.argpartition(-bm25, min(n, len(bm25)) - 1)[:n]
        lexical_hits = [lexical.chunk_ids[i] for i in top if bm25[i] > 0]
    missing = [cid for cid in lexical_hits if cid not in dense_hits]
    for cid, vector in corpus.store.embeddings(missing).items():
        dense_hits[cid] = float(vector @ query_vector)
    doc_rows, doc_sums = lexical.doc_scores(bm25) if bm25 is not None else ({}, None)
    title_match = lexical.title_matcher(query) if with_titles else None
    out = []
    for cid in dict.fromkeys([*dense_hits, *lexical_hits]):
        position = lexical.position(cid)
        score = float(bm25[position]) if bm25 is not None and position is not None else 0.0
        doc_id = cid.rsplit("::", 1)[0]
        row = doc_rows.get(doc_id)
        doc_score = float(doc_sums[row]) if doc_sums is not None and row is not None else 0.0
        if cid in dense_hits:
            title = title_match(doc_id) if title_match is not None else 0.0
            out.append(Scored(cid, dense_hits[cid], score, doc_score, title))
    return out


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
    if query_vector is None:
        query_vector = corpus.embedder.embed([query])[0]
    scored = candidates(
        corpus,
        query,
        query_vector,
        max(settings.candidates, top_k),
        filters,
        with_titles=settings.title_weight > 0,
    )
    by_id = {c.chunk_id: c for c in scored}
    fused = fuse(scored, settings)
    constraints = question_constraints(query, as_of_date(filters.as_of))
    stored: dict[str, Any] = {}
    if settings.constraint_weight > 0 and constraints:
        stored = corpus.store.get([cid for cid, _ in fused])
        fused = apply_constraints(fused, constraints, stored, settings.constraint_weight)
    fused = diversify(fused, settings.max_passages_per_doc, top_k)
    missing = [cid for cid, _ in fused if cid not in stored]
    if missing:  # the constraints read every candidate already; fetch only the rest
        stored = {**stored, **corpus.store.get(missing)}
    return [
        Passage(stored[cid].chunk, score, by_id[cid].dense, by_id[cid].lexical)
        for cid, score in fused
        if cid in stored
    ]
