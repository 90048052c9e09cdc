"""The Chroma collection of passages: embedded on disk, or a Chroma server by URL.

Chroma is the source of truth for what is indexed. Its collection metadata records the
embedding model and chunking settings (checked on open) and a ``generation`` stamp that
changes before every write, so the lexical index beside it can tell when it is stale.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from rag.errors import IndexMismatchError, StoreUnavailableError
from rag.offline import apply_offline_env
from rag.types import Chunk, Document

if TYPE_CHECKING:
    import numpy as np

# The embedded Chroma database (and its write-ahead log, should Chroma turn WAL on): every
# write, the collection metadata included, changes one of them.
CHROMA_DB_FILES = ("chroma.sqlite3", "chroma.sqlite3-wal")
# A file changed less than this long ago may change again within the same mtime tick.
MTIME_SETTLE_NS = 50_000_000
# Page size for reading the whole collection back (well under Chroma's max batch).
READ_PAGE = 2000
# Keys of the collection metadata that must match the settings used to query it.
SIGNATURE_KEYS = (
    "embedding_model",
    "dimension",
    "chunk_tokens",
    "chunk_overlap_tokens",
    "chunker_version",
)


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store, with its document's hash."""

    chunk: Chunk
    content_hash: str
    source: str | None
    path: str | None


def date_number(date: str | None) -> int:
    """ISO date as YYYYMMDD, the form Chroma can range-filter; 0 when unknown."""
    return int(date.replace("-", "")) if date else 0


def chunk_metadata(
    chunk: Chunk, content_hash: str, source: str | None, path: str | None
) -> dict[str, Any]:
    """Chunk fields as Chroma metadata (Chroma takes no None values, so empty means none)."""
    return {
        "path": path or "",
        "doc_id": chunk.doc_id,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "title": chunk.title,
        "date": chunk.date or "",
        "date_num": date_number(chunk.date),
        "url": chunk.url or "",
        "source": source or "",
        "content_hash": content_hash,
    }


def _metadata_for(chunk: Chunk, document: Document) -> dict[str, Any]:
    return chunk_metadata(chunk, document.content_hash, document.source, document.path)


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    """Rebuild a chunk from a Chroma record."""
    chunk = Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        index=int(meta["index"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        title=str(meta.get("title", "")),
        date=meta.get("date") or None,
        url=meta.get("url") or None,
    )
    return StoredChunk(
        chunk,
        str(meta.get("content_hash", "")),
        meta.get("source") or None,
        meta.get("path") or None,
    )


def date_range(date_from: str | None, date_to: str | None) -> tuple[int, int | None] | None:
    """An inclusive ISO date range as ``date_num`` bounds (None: no range; an open end is
    None). The lower bound is at least 1: a range keeps dated articles only (an undated
    article's ``date_num`` is 0)."""
    if not date_from and not date_to:
        return None
    return max(date_number(date_from), 1), date_number(date_to) if date_to else None


def date_where(date_from: str | None, date_to: str | None) -> list[dict[str, Any]]:
    """Chroma ``where`` clauses for an inclusive ISO date range (:func:`date_range`)."""
    bounds = date_range(date_from, date_to)
    if bounds is None:
        return []
    earliest, latest = bounds
    clauses: list[dict[str, Any]] = [{"date_num": {"$gte": earliest}}]
    if latest is not None:
        clauses.append({"date_num": {"$lte": latest}})
    return clauses


class ChunkStore:
    """One Chroma collection of chunks plus the signature it was built with."""

    def __init__(
        self,
        index_dir: Path,
        collection: str,
        signature: dict[str, Any],
        chroma_url: str | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.collection_name = collection
        self.signature = dict(signature)
        self.chroma_url = chroma_url
        self._synced: str | None = None  # the last stamp this Chroma instance has seen
        self._seen_generation: str = ""
        self._seen_state: tuple[int, ...] | None = None
        self._client = self._connect()
        self._collection = self._open_collection()

    @property
    def location(self) -> str:
        """Where the passages live, for messages."""
        return self.chroma_url or str(self.index_dir / "chroma")

    def _connect(self) -> Any:
        return connect(self.index_dir, self.chroma_url)

    def _open_collection(self) -> Any:
        try:
            collection = self._client.get_or_create_collection(
                self.collection_name,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={**self.signature, "generation": uuid.uuid4().hex},
                embedding_function=None,
            )
        except Exception as exc:
            raise self._unavailable(exc) from exc
        stored = collection.metadata or {}
        differing = [
            k
            for k in SIGNATURE_KEYS
            if k in self.signature and str(stored.get(k)) != str(self.signature[k])
        ]
        if differing:
            was = ", ".join(f"{k}={stored.get(k)}" for k in differing)
            now = ", ".join(f"{k}={self.signature[k]}" for k in differing)
            raise IndexMismatchError(
                f"the index at {self.location} was built with {was} but the settings ask for "
                f"{now}: rebuild it with `rag index --rebuild PATHS` or use another --index-dir"
            )
        return collection

    def _unavailable(self, exc: Exception) -> StoreUnavailableError:
        if self.chroma_url:
            return StoreUnavailableError(
                f"the Chroma server at {self.chroma_url} did not answer ({exc.__class__.__name__}):"
                " check that it is running, then retry"
            )
        return StoreUnavailableError(f"cannot open the index at {self.location}: {exc}")

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._collection, method)(**kwargs)
        except (ValueError, TypeError):
            raise
        except Exception as exc:
            raise self._unavailable(exc) from exc

    # Generation stamp -------------------------------------------------------------------
    @property
    def generation(self) -> str:
        """The stamp of the last write, as the store holds it now.

        Embedded, the stamp is re-read only when the Chroma database file has changed since
        it was last read (a ``stat``, about 3 µs against 0.3-0.4 ms for the read); from a
        server it is re-read every time (one round trip). If the collection was dropped
        and created again (``rag index --rebuild`` elsewhere), this store follows the new one.
        """
        file_state = self._file_state()
        if file_state is not None and file_state == self._seen_state:
            return self._seen_generation
        try:
            collection = self._client.get_collection(self.collection_name, embedding_function=None)
        except Exception as exc:
            raise self._unavailable(exc) from exc
        if collection.id != self._collection.id:
            self._collection = self._open_collection()
            collection = self._collection
        stamp = str((collection.metadata or {}).get("generation", ""))
        if not self.chroma_url and self._synced is not None and stamp != self._synced:
            # Another process (or another Chroma instance in this one) wrote: an embedded
            # Chroma instance does not see vectors written by another ("Error finding id"
            # on query), so start a fresh one that reads the index as it is now.
            self._client = connect(self.index_dir, fresh=True)
            self._collection = self._open_collection()
        self._synced = stamp
        self._remember(stamp, file_state)
        return stamp

    def _file_state(self) -> tuple[int, ...] | None:
        """Identity of the embedded database files, trusted only once their last change is
        older than the clock's granularity (two writes within one tick can share an mtime)."""
        if self.chroma_url:
            return None
        state: list[int] = []
        now = time.time_ns()
        for name in CHROMA_DB_FILES:
            try:
                st = os.stat(self.index_dir / "chroma" / name)
            except FileNotFoundError:
                state.append(0)
                continue
            except OSError:
                return None
            if now - st.st_mtime_ns < MTIME_SETTLE_NS:
                return None
            state.extend((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(state) if state[0] else None

    def _remember(self, stamp: str, file_state: tuple[int, ...] | None) -> None:
        self._seen_generation, self._seen_state = stamp, file_state

    def new_generation(self) -> str:
        """Stamp the collection before a write; a crash mid-write leaves the new stamp, so
        readers rebuild their derived state rather than trust a stale copy."""
        stamp = uuid.uuid4().hex
        metadata = {**self.signature, "generation": stamp}
        self._remember("", None)
        self._call("modify", metadata=metadata)
        self._synced = stamp  # our own write: this instance has seen it
        return stamp

    # Reads ------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of chunks stored."""
        return int(self._call("count"))

    def query(
        self, embedding: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks to ``embedding``: (chunk_id, cosine similarity), best first."""
        # Chroma returns fewer than n_results when the collection holds fewer (an empty one
        # returns none), so no count() round trip first.
        result = self._call(
            "query",
            query_embeddings=[embedding.tolist()],
            n_results=n,
            where=where,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]

    def get(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        """Chunks by id (missing ids are left out)."""
        if not chunk_ids:
            return {}
        result = self._call("get", ids=list(chunk_ids), include=["documents", "metadatas"])
        return {
            cid: chunk_from_record(cid, text or "", meta)
            for cid, text, meta in zip(
                result["ids"], result["documents"], result["metadatas"], strict=True
            )
        }

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by chunk id (missing ids are left out)."""
        import numpy as np

        if not chunk_ids:
            return {}
        result = self._call("get", ids=list(chunk_ids), include=["embeddings"])
        return {
            cid: np.asarray(vector, dtype=np.float32)
            for cid, vector in zip(result["ids"], result["embeddings"], strict=True)
        }

    def iter_all(self) -> Iterator[StoredChunk]:
        """Every chunk, page by page (for rebuilding the lexical index)."""
        offset = 0
        while True:
            page = self._call(
                "get", include=["documents", "metadatas"], limit=READ_PAGE, offset=offset
            )
            if not page["ids"]:
                return
            for cid, text, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                yield chunk_from_record(cid, text or "", meta)
            offset += len(page["ids"])

    # Writes -----------------------------------------------------------------------------
    def add(
        self, chunks: Sequence[Chunk], embeddings: np.ndarray, documents: dict[str, Document]
    ) -> None:
        """Upsert chunks with their vectors, in pages Chroma accepts."""
        limit = self._client.get_max_batch_size()
        for lo in range(0, len(chunks), limit):
            part = chunks[lo : lo + limit]
            self._call(
                "upsert",
                ids=[c.chunk_id for c in part],
                embeddings=embeddings[lo : lo + limit],
                documents=[c.text for c in part],
                metadatas=[_metadata_for(c, documents[c.doc_id]) for c in part],
            )

    def delete_stale_chunks(self, doc_id: str, keep: int) -> None:
        """Remove chunks of ``doc_id`` numbered ``keep`` and above (left by a longer version)."""
        self._call("delete", where={"$and": [{"doc_id": doc_id}, {"index": {"$gte": keep}}]})

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove every chunk of these documents."""
        for lo in range(0, len(doc_ids), READ_PAGE):
            self._call("delete", where={"doc_id": {"$in": list(doc_ids[lo : lo + READ_PAGE])}})


def connect(index_dir: Path, chroma_url: str | None = None, fresh: bool = False) -> Any:
    """A Chroma client: embedded in ``index_dir/chroma``, or the server at ``chroma_url``.

    Chroma shares one embedded instance per folder within a process; ``fresh`` starts a new
    one (clients made before keep the old one).
    """
    apply_offline_env()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not chroma_url:
        path = Path(index_dir) / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        if fresh:
            _forget_instance(str(path))
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    url = urlparse(chroma_url)
    try:
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    except Exception as exc:
        raise StoreUnavailableError(
            f"cannot reach the Chroma server at {chroma_url}: start it "
            f"(`chroma run --path DIR --port {url.port or 8000}`) or unset RAG_CHROMA_URL"
        ) from exc


def _forget_instance(path: str) -> None:
    """Drop Chroma's cached embedded instance for ``path`` (a private cache of chromadb's;
    if a release renames it, nothing is dropped and the old instance is reused)."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(path, None)
    except (ImportError, AttributeError):
        pass


def drop_collection(index_dir: Path, collection: str, chroma_url: str | None = None) -> None:
    """Delete the collection (a full rebuild follows)."""
    client = connect(index_dir, chroma_url)
    try:
        if collection in {c.name for c in client.list_collections()}:
            client.delete_collection(collection)
    except Exception as exc:
        raise StoreUnavailableError(
            f"could not delete the collection {collection!r} at {chroma_url or index_dir}: "
            f"{exc.__class__.__name__}: check that the Chroma server is running, then retry"
        ) from exc
