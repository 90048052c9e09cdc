"""BM25 over the chunks, plus the document catalogue, kept beside the Chroma store.

Both are derived from Chroma and stamped with its generation (and the saved copy with the
version of :func:`rag.terms.terms` that made its tokens). Saved generations live in
their own folders and ``current.json`` names the live one; it is replaced atomically, so a
crash mid-save leaves the previous state readable and a stale stamp makes readers rebuild.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.chunk import embedding_text
from rag.store import date_number, date_range
from rag.terms import TERMS_VERSION, content_words, terms

if TYPE_CHECKING:
    import numpy as np

    from rag.store import StoredChunk

POINTER_FILE = "current.json"
# A question word this long or longer is known where a passage's term begins with it.
MIN_KNOWN_PREFIX = 3


@dataclass
class DocumentInfo:
    """What the catalogue knows of an indexed document."""

    doc_id: str
    title: str
    date: str | None
    url: str | None
    source: str | None
    content_hash: str
    chunks: int
    path: str | None = None


class LexicalIndex:
    """BM25 scores over chunk texts, the chunk order, and the document catalogue."""

    def __init__(
        self,
        generation: str,
        chunk_ids: list[str],
        chunk_doc_ids: list[str],
        chunk_dates: np.ndarray,
        documents: dict[str, DocumentInfo],
        bm25: Any | None,
    ) -> None:
        self.generation = generation
        self.chunk_ids = chunk_ids
        self.chunk_doc_ids = chunk_doc_ids
        self.chunk_dates = chunk_dates
        self.documents = documents
        self._bm25 = bm25
        self._positions: dict[str, int] | None = None
        self._doc_rows: tuple[dict[str, int], np.ndarray] | None = None
        self._ordered_vocab: list[str] | None = None  # sorted, for prefixes; made when needed

    # Building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, generation: str, stored: Iterable[StoredChunk]) -> LexicalIndex:
        """Index every chunk of the store."""
        import bm25s
        import numpy as np

        chunk_ids: list[str] = []
        doc_ids: list[str] = []
        dates: list[int] = []
        tokens: list[list[str]] = []
        documents: dict[str, DocumentInfo] = {}
        for item in stored:
            chunk = item.chunk
            chunk_ids.append(chunk.chunk_id)
            doc_ids.append(chunk.doc_id)
            dates.append(date_number(chunk.date))
            tokens.append(terms(embedding_text(chunk)))
            info = documents.get(chunk.doc_id)
            if info is None:
                documents[chunk.doc_id] = DocumentInfo(
                    chunk.doc_id,
                    chunk.title,
                    chunk.date,
                    chunk.url,
                    item.source,
                    item.content_hash,
                    1,
                    item.path,
                )
            else:
                info.chunks += 1
                if info.content_hash != item.content_hash:
                    info.content_hash = ""  # a write was cut short: the next index redoes it
        bm25 = None
        if tokens:
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        return cls(
            generation, chunk_ids, doc_ids, np.asarray(dates, dtype=np.int64), documents, bm25
        )

    # Querying ---------------------------------------------------------------------------
    def mask(
        self,
        doc_ids: Iterable[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        known_by: str | None = None,
    ) -> np.ndarray | None:
        """Boolean mask of chunks passing the filters, or None when there are no filters.
        ``known_by``: an as-of date; articles dated after it are out, undated ones stay."""
        import numpy as np

        if doc_ids is None and not date_from and not date_to and not known_by:
            return None
        keep = np.ones(len(self.chunk_ids), dtype=bool)
        if doc_ids is not None:
            wanted = set(doc_ids)
            keep &= np.fromiter(
                (d in wanted for d in self.chunk_doc_ids), dtype=bool, count=len(self.chunk_doc_ids)
            )
        if bounds := date_range(date_from, date_to):  # dated articles only
            earliest, latest = bounds
            keep &= self.chunk_dates >= earliest
            if latest is not None:
                keep &= self.chunk_dates <= latest
        if known_by:
            keep &= (self.chunk_dates <= date_number(known_by)) | (self.chunk_dates == 0)
        return keep

    def has_dated_between(self, first: str, last: str) -> bool:
        """Whether any chunk's article is dated from ``first`` to ``last`` (ISO, inclusive)."""
        dates = self.chunk_dates
        return bool(((dates >= date_number(first)) & (dates <= date_number(last))).any())

    def knows_any(self, query: str) -> bool:
        """Whether any term of ``query`` occurs in some passage."""
        return any(t in self._vocab for t in terms(query))

    def unknown_words(self, query: str) -> tuple[list[str], int]:
        """The content words of ``query`` that occur in no passage, as written, and how many
        content words it has. A word is known too where a passage's term begins with it
        ("hot" for "hottest", which stems apart)."""
        unknown: list[str] = []
        content = 0
        for word in content_words(query):
            content += 1
            word_terms = terms(word)
            if any(t in self._vocab for t in word_terms):
                continue
            if self._ordered_vocab is None:  # once per index, for the first unknown term
                self._ordered_vocab = sorted(self._vocab)
            if not any(_begins_a_term(t, self._ordered_vocab) for t in word_terms):
                unknown.append(word)
        return unknown, content

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray | None:
        """BM25 score of every chunk (in ``chunk_ids`` order), or None when no term is known."""
        import numpy as np

        query_terms = [t for t in terms(query) if t in self._vocab]
        if self._bm25 is None or not query_terms:
            return None
        scores = self._bm25.get_scores(query_terms)
        return np.where(mask, scores, 0.0) if mask is not None else scores

    def doc_scores(self, scores: np.ndarray) -> tuple[dict[str, int], np.ndarray]:
        """Per-document sums of chunk ``scores``: (doc id -> row, sums), for document-level
        evidence (an article whose passages all match the question beats one lucky passage).
        """
        import numpy as np

        if self._doc_rows is None:
            rows: dict[str, int] = {}
            codes = np.fromiter(
                (rows.setdefault(d, len(rows)) for d in self.chunk_doc_ids),
                dtype=np.int64,
                count=len(self.chunk_doc_ids),
            )
            self._doc_rows = (rows, codes)
        rows, codes = self._doc_rows
        return rows, np.bincount(codes, weights=scores, minlength=len(rows))

    def title_matcher(self, query: str) -> Callable[[str], float]:
        """A function of a doc id: the rarity-weighted share of ``query``'s known terms that
        its title holds (0 for an unknown doc or a query with no known term)."""
        weights = {t: self.rarity(t) for t in set(terms(query)) if t in self._vocab}
        total = sum(weights.values())
        cache: dict[str, float] = {}

        def match(doc_id: str) -> float:
            if doc_id not in cache:
                info = self.documents.get(doc_id)
                held = set(terms(info.title)) if info is not None and info.title else set()
                cache[doc_id] = (
                    sum(w for t, w in weights.items() if t in held) / total if total else 0.0
                )
            return cache[doc_id]

        return match

    def position(self, chunk_id: str) -> int | None:
        """Where ``chunk_id`` stands in ``chunk_ids`` (and so in :meth:`scores`)."""
        if self._positions is None:
            self._positions = {cid: i for i, cid in enumerate(self.chunk_ids)}
        return self._positions.get(chunk_id)

    def search(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top ``n`` chunks by BM25: (chunk_id, score), best first; zero scores left out."""
        import numpy as np

        scores = self.scores(query, mask)
        if scores is None:
            return []
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunk_ids[i], float(scores[i])) for i in top if scores[i] > 0]

    @property
    def _vocab(self) -> dict[str, int]:
        return self._bm25.vocab_dict if self._bm25 is not None else {}

    def document_frequency(self, term: str) -> float:
        """Share of chunks that contain ``term`` (0 for unknown terms), for weighting words."""
        if self._bm25 is None or term not in self._vocab:
            return 0.0
        column = self._vocab[term]
        indptr = self._bm25.scores["indptr"]
        return float(indptr[column + 1] - indptr[column]) / max(1, len(self.chunk_ids))

    def rarity(self, term: str) -> float:
        """IDF-like weight of ``term``: log(1 + 1 / (its chunk share + 1 / chunks)), high for
        a word few passages use, about 0.7 for one every passage uses."""
        return math.log1p(1.0 / (self.document_frequency(term) + 1.0 / max(1, len(self.chunk_ids))))

    # Persistence ------------------------------------------------------------------------
    def save(self, lexical_dir: Path) -> None:
        """Write this generation to its own folder, then point ``current.json`` at it."""
        import numpy as np

        lexical_dir.mkdir(parents=True, exist_ok=True)
        target = lexical_dir / self.generation
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=lexical_dir))
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "bm25"), show_progress=False)
        np.savez(
            tmp / "chunks.npz",
            ids=np.asarray(self.chunk_ids, dtype=str),
            doc_ids=np.asarray(self.chunk_doc_ids, dtype=str),
            dates=self.chunk_dates,
        )
        (tmp / "documents.json").write_text(
            json.dumps([asdict(d) for d in self.documents.values()], ensure_ascii=False)
        )
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
        pointer = {"generation": self.generation, "terms": TERMS_VERSION}
        _write_atomic(lexical_dir / POINTER_FILE, json.dumps(pointer))
        for old in lexical_dir.iterdir():
            if old.is_dir() and old.name != self.generation:
                shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def made_with_other_terms(lexical_dir: Path) -> bool:
        """Whether a saved index is there whose terms were made by another version."""
        try:
            pointer = json.loads((lexical_dir / POINTER_FILE).read_text())
        except (OSError, ValueError):
            return False
        return isinstance(pointer, dict) and pointer.get("terms") != TERMS_VERSION

    @classmethod
    def load(cls, lexical_dir: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none, it cannot be read, or its terms were
        made another way (another stemmer or stop words: then it is rebuilt from Chroma)."""
        import bm25s
        import numpy as np

        try:
            pointer = json.loads((lexical_dir / POINTER_FILE).read_text())
            if pointer.get("terms") != TERMS_VERSION:
                return None
            generation = pointer["generation"]
            folder = lexical_dir / generation
            arrays = np.load(folder / "chunks.npz")
            documents = {
                d["doc_id"]: DocumentInfo(**d)
                for d in json.loads((folder / "documents.json").read_text())
            }
            bm25 = None
            if (folder / "bm25").exists():
                bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        except (OSError, ValueError, KeyError, AttributeError):
            return None
        return cls(
            generation,
            arrays["ids"].tolist(),
            arrays["doc_ids"].tolist(),
            arrays["dates"],
            documents,
            bm25,
        )


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _begins_a_term(prefix: str, ordered: list[str]) -> bool:
    """Whether a term of the sorted ``ordered`` vocabulary begins with ``prefix`` (of
    :data:`MIN_KNOWN_PREFIX` letters or more)."""
    if len(prefix) < MIN_KNOWN_PREFIX:
        return False
    i = bisect.bisect_left(ordered, prefix)
    return i < len(ordered) and ordered[i].startswith(prefix)
