"""Incremental indexing: read articles, and embed and store only what changed."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.chunk import chunk_document, embedding_text
from rag.corpus import Corpus, chunk_tokens
from rag.errors import NotFoundError
from rag.ingest import SUPPORTED_LIST, ReadProgress, Skipped, iter_documents
from rag.lexical import DocumentInfo
from rag.lock import index_lock
from rag.types import Chunk, Document

if TYPE_CHECKING:
    import numpy as np

# Documents are embedded and written in groups of about this many chunks: large enough to
# keep the model busy, small enough that a crash loses little work.
WRITE_BATCH_CHUNKS = 256


@dataclass(frozen=True)
class IndexProgress:
    """Where an index run stands; passed to the ``progress`` callback as it goes."""

    documents: int  # read so far: new, changed and unchanged
    passages: int  # embedded and written so far
    bytes_read: int
    bytes_total: int
    seconds: float
    done: bool = False
    # Bytes of documents already stored unchanged: read and hashed, never embedded, so a
    # resumed run must not count them in the rate that predicts the time left.
    bytes_unchanged: int = 0

    @property
    def fraction(self) -> float:
        """Share of the input read (bytes; a feed's record count is unknown ahead)."""
        return min(1.0, self.bytes_read / self.bytes_total) if self.bytes_total else 1.0

    @property
    def seconds_left(self) -> float | None:
        """Time left at the rate so far over the bytes that needed work, or None before
        there is a rate."""
        if self.done:
            return 0.0
        worked = self.bytes_read - self.bytes_unchanged
        if worked <= 0 or self.seconds <= 0:
            return None
        return self.seconds * (self.bytes_total - self.bytes_read) / worked


Progress = Callable[[IndexProgress], None]


# What the CLI and the chat's upload say of an article indexed without its date, and of one
# whose id a file from another folder took over.
UNREAD_DATE_WARNING = (
    "could not read the date {date!r} of {doc_id!r}, indexed without a date "
    "(write it as YYYY-MM-DD)"
)
REPLACED_WARNING = (
    "{now} replaced the article {doc_id!r} read before from {before} "
    "(the id is the file name: rename one file to keep both)"
)


@dataclass
class IndexReport:
    """What an index run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    # Indexed documents no longer in their files (the file is gone, or a feed read whole this
    # run no longer holds the record), left in place because the run did not prune.
    stale: list[str] = field(default_factory=list)
    # Documents of a feed that had unreadable records this run, kept even when pruning:
    # the record may be one of those, and bad input must not delete what was indexed.
    kept_unread: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unsupported: int = 0  # files of other types inside the folders, passed over
    duplicates: list[str] = field(default_factory=list)
    # (doc id, the file it was read from before, the file that replaced it): a file of the
    # same name from another folder takes the id over, which the user should hear about.
    replaced: list[tuple[str, str, str]] = field(default_factory=list)
    # (doc id, file, the date as written) of articles indexed without a date because the
    # date they gave could not be read ("03/04/2024": day or month first?).
    unread_dates: list[tuple[str, str, str]] = field(default_factory=list)
    chunks_written: int = 0
    # Passages whose text was not embedded again: a repeat within the run, or unchanged
    # text of a changed article whose stored vector was reused.
    embeddings_saved: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people."""
        return (
            f"indexed {len(self.added)} new, {len(self.updated)} changed, "
            f"{self.unchanged} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped ({self.chunks_written} passages written"
            + (
                f", {self.embeddings_saved} of them not embedded again"
                if self.embeddings_saved
                else ""
            )
            + f" in {self.seconds:.1f} s)"
            + (
                f"; {self.unsupported} file(s) of other types ignored (use {SUPPORTED_LIST})"
                if self.unsupported
                else ""
            )
        )

    @property
    def found_nothing(self) -> bool:
        """True when the paths held no article file at all (only other types, or none)."""
        return not (
            self.added
            or self.updated
            or self.unchanged
            or self.skipped
            or self.duplicates
            or self.removed
        )


class _Writer:
    """Collects changed documents and writes them to the store in batches."""

    def __init__(self, corpus: Corpus, known: dict[str, int], on_write: Callable[[], None]) -> None:
        self.corpus = corpus
        self.on_write = on_write
        self.known = known  # doc id -> passages stored now, for documents already indexed
        self.saved = 0
        self.max_tokens = chunk_tokens(corpus.settings, corpus.embedder)
        self.pending: list[tuple[Document, list[Chunk]]] = []
        self.pending_chunks = 0
        self.written = 0
        self.stamped = False

    def add(self, document: Document) -> None:
        settings = self.corpus.settings
        chunks = chunk_document(
            document,
            self.corpus.embedder.count_tokens,
            self.max_tokens,
            settings.chunk_overlap_tokens,
        )
        self.pending.append((document, chunks))
        self.pending_chunks += len(chunks)
        if self.pending_chunks >= WRITE_BATCH_CHUNKS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        store = self.corpus.store
        if not self.stamped:
            store.new_generation()
            self.stamped = True
        chunks = [c for _, doc_chunks in self.pending for c in doc_chunks]
        vectors = self._vectors([embedding_text(c) for c in chunks])
        documents = {doc.doc_id: doc for doc, _ in self.pending}
        # Upsert first, then drop leftovers, so a changed document never vanishes mid-run.
        store.add(chunks, vectors, documents)
        for doc, doc_chunks in self.pending:
            if doc.doc_id in self.known:
                store.delete_stale_chunks(doc.doc_id, len(doc_chunks))
        self.written += len(chunks)
        self.pending, self.pending_chunks = [], 0
        self.on_write()

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """Embed each distinct text once; reuse stored vectors of unchanged passages.

        An edited article mostly keeps its passages' texts, and a wire story republished in
        the same run repeats them: neither needs the model again.
        """
        import numpy as np

        reuse = self._stored_vectors()
        fresh = [t for t in dict.fromkeys(texts) if t not in reuse]
        embedded = dict(zip(fresh, self.corpus.embedder.embed(fresh), strict=True))
        self.saved += len(texts) - len(fresh)
        dimension = self.corpus.embedder.dimension
        if not texts:
            return np.zeros((0, dimension), dtype=np.float32)
        return np.stack([reuse[t] if t in reuse else embedded[t] for t in texts])

    def _stored_vectors(self) -> dict[str, np.ndarray]:
        """Embedding text -> stored vector, for the passages of pending documents that are
        already in the index."""
        old_ids = [
            f"{doc.doc_id}::{i}"
            for doc, _ in self.pending
            for i in range(self.known.get(doc.doc_id, 0))
        ]
        if not old_ids:
            return {}
        store = self.corpus.store
        stored, vectors = store.get(old_ids), store.embeddings(old_ids)
        return {
            embedding_text(stored[cid].chunk): vectors[cid]
            for cid in old_ids
            if cid in stored and cid in vectors
        }


def index_paths(
    corpus: Corpus,
    paths: Sequence[str | Path],
    prune: bool = False,
    wait_s: float = 0.0,
    progress: Progress | None = None,
) -> IndexReport:
    """Index articles under ``paths``; unchanged documents (same content hash) cost nothing.

    With ``prune``, documents whose source file no longer exists are removed, and so are
    the records a feed read whole this run no longer holds; without it they are listed in
    ``report.stale``. A feed with an unreadable record keeps all its documents. ``progress``
    is called after every document read and every batch written, and once at the end.
    """
    started = time.perf_counter()
    report = IndexReport()
    settings = corpus.settings
    reading = ReadProgress()
    seen: set[str] = set()
    files = _FilesRead()
    bytes_unchanged = 0

    def tell(done: bool = False) -> None:
        if progress:
            progress(
                IndexProgress(
                    len(seen),
                    writer.written,
                    reading.bytes_read,
                    reading.bytes_total,
                    time.perf_counter() - started,
                    done,
                    bytes_unchanged,
                )
            )

    with index_lock(settings.index_dir, wait_s):
        catalogue = corpus.documents()
        known = {doc_id: info.content_hash for doc_id, info in catalogue.items()}
        writer = _Writer(corpus, {d: info.chunks for d, info in catalogue.items()}, tell)
        bytes_before = 0  # bytes read up to the previous item: its size is the difference
        for item in iter_documents(paths, settings.max_file_bytes, reading):
            item_bytes, bytes_before = reading.bytes_read - bytes_before, reading.bytes_read
            if isinstance(item, Skipped):
                if item.quiet:
                    report.unsupported += 1
                else:
                    report.skipped.append(item)
                    files.incomplete.add(os.path.abspath(item.path))
                continue
            if item.path:
                files.read.add(os.path.abspath(item.path))
            if item.doc_id in seen:
                report.duplicates.append(item.doc_id)
                continue
            seen.add(item.doc_id)
            if known.get(item.doc_id) == item.content_hash:
                report.unchanged += 1
                bytes_unchanged += item_bytes
            else:
                (report.updated if item.doc_id in known else report.added).append(item.doc_id)
                before = catalogue[item.doc_id].path if item.doc_id in known else None
                if before and item.path and _other_file(before, item.path):
                    report.replaced.append((item.doc_id, before, item.path))
                if item.unread_date:
                    report.unread_dates.append((item.doc_id, item.path or "", item.unread_date))
                writer.add(item)
            tell()
        writer.flush()
        report.chunks_written = writer.written
        report.embeddings_saved = writer.saved
        gone, kept = _absent_documents(catalogue, seen, files)
        if not prune:
            report.stale = gone
        else:
            report.kept_unread = kept
            if gone:
                if not writer.stamped:
                    corpus.store.new_generation()
                    writer.stamped = True
                corpus.store.delete_documents(gone)
                report.removed = gone
        if writer.stamped:
            # Stamp again now that every write has landed: a reader that rebuilt its lexical
            # index mid-write holds the first stamp and so rebuilds once more.
            corpus.store.new_generation()
            corpus.rebuild_lexical()
    report.seconds = time.perf_counter() - started
    tell(done=True)
    return report


def _other_file(before: str, now: str) -> bool:
    return os.path.abspath(before) != os.path.abspath(now)


@dataclass
class _FilesRead:
    """The article files an index run read, by absolute path."""

    read: set[str] = field(default_factory=set)  # gave at least one document
    incomplete: set[str] = field(default_factory=set)  # skipped whole, or a record skipped


def _absent_documents(
    catalogue: dict[str, DocumentInfo], seen: set[str], files: _FilesRead
) -> tuple[list[str], list[str]]:
    """Indexed documents this run did not read: (gone, kept).

    Gone: the file it came from no longer exists, or that file (a feed of many records) was
    read whole and cleanly this run and no longer holds it. Kept: its file was read but had
    a record that could not be read, which may be this document.
    """
    gone: list[str] = []
    kept: list[str] = []
    for doc_id, info in catalogue.items():
        if doc_id in seen or not info.path:
            continue
        path = os.path.abspath(info.path)
        if not Path(path).exists():
            gone.append(doc_id)
        elif path in files.incomplete:
            kept.append(doc_id)
        elif path in files.read:
            gone.append(doc_id)
    return gone, kept


def remove_documents(corpus: Corpus, doc_ids: Iterable[str], wait_s: float = 0.0) -> list[str]:
    """Delete documents by id; unknown ids are an error and nothing is deleted."""
    doc_ids = list(doc_ids)
    with index_lock(corpus.settings.index_dir, wait_s):
        known = corpus.documents()
        missing = [d for d in doc_ids if d not in known]
        if missing:
            kept = " (nothing was removed)" if len(doc_ids) > 1 else ""
            raise NotFoundError(
                f"no indexed document with id {missing[0]!r}{kept}: `rag documents` lists the ids"
            )
        corpus.store.new_generation()
        corpus.store.delete_documents(doc_ids)
        corpus.store.new_generation()
        corpus.rebuild_lexical()
    return doc_ids
