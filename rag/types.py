"""The records that flow through the pipeline: Document -> Chunk -> Passage -> Answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One cleaned article. ``text`` is the cleaned body that chunk offsets point into."""

    doc_id: str
    title: str
    text: str
    date: str | None = None  # ISO date, YYYY-MM-DD
    url: str | None = None
    source: str | None = None  # publisher or origin, when the input says
    path: str | None = None  # file it was read from
    # The date the input gave as written, when it could not be read as one (not indexed: the
    # article is indexed without a date, and the reader is told).
    unread_date: str | None = None

    @property
    def content_hash(self) -> str:
        """A hash of everything that ends up in the index for this document."""
        import hashlib

        parts = [
            self.doc_id,
            self.title,
            self.text,
            self.date or "",
            self.url or "",
            self.source or "",
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: ``document.text[start:end] == text``."""

    chunk_id: str
    doc_id: str
    index: int
    text: str
    start: int
    end: int
    title: str
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its scores; ``score`` is the fused score used for ranking."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """What an ``[n]`` marker in an answer points at."""

    n: int
    doc_id: str
    title: str
    url: str | None
    date: str | None
    text: str  # the whole passage
    quote: str  # the supporting sentence inside ``text`` (or the title: ``quote_in``)
    start: int  # offsets of ``quote`` in the cleaned article text (0, 0 for the title)
    end: int
    score: float
    # Where the quote is: "text" (a sentence of the passage) or "title" (the article's
    # headline states the claim and no sentence of the passage does).
    quote_in: str = "text"

    def to_dict(self) -> dict[str, Any]:
        """The citation as the JSON answer contract spells it."""
        return asdict(self)


@dataclass
class Answer:
    """The answer contract shared by the library, the CLI, the HTTP API and the UI."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[str]
    model: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    search_query: str | None = None  # what was searched, when history rewrote the question
    notice: str | None = None  # e.g. why an LLM answer fell back to extractive
    invalid_citations: int = 0  # markers the LLM wrote that did not map to a passage
    unsupported_claims: int = 0  # generated claims no passage holds: removed, never shown
    recited_claims: int = 0  # generated claims re-cited to the passage that holds them

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON-ready data (the documented contract plus optional extras)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": list(self.retrieved),
            "model": self.model,
            "timings_ms": dict(self.timings_ms),
            "search_query": self.search_query,
            "notice": self.notice,
            "invalid_citations": self.invalid_citations,
            "unsupported_claims": self.unsupported_claims,
            "recited_claims": self.recited_claims,
        }


@dataclass(frozen=True)
class Preview:
    """What a streamed answer shows before the model writes: the passages found and the
    extractive answer (which the model's answer replaces when it is verified)."""

    extractive: Answer
