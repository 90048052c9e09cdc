"""The Chroma collection of passages: embedded on disk, or a Chroma server by URL.

Chroma is the source of truth for what is indexed. Its collection metadata records the
embedding model and chunking settings (checked on open) and a ``generation`` stamp that
changes before every write, so the lexical index beside it can tell when it is stale.
"""

from __future__ import annotations

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


def _date_number(date: str | None) -> int:
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
        "date_num": _date_number(chunk.date),
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


def date_where(date_from: str | None, date_to: str | None) -> list[dict[str, Any]]:
    """Chroma ``where`` clauses for an inclusive ISO date range."""
    clauses: list[dict[str, Any]] = []
    if date_from:
        clauses.append({"date_num": {"$gte": _date_number(date_from)}})
    if date_to:
        clauses.append({"date_num": {"$lte": _date_number(date_to)}})
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
        self._client = self._connect()
        self._collection = self._open_collection()

    @property
    def location(self) -> str:
        """Where the passages live, for messages."""
        return self.chroma_url or str(self.index_dir / "chroma")

    def _connect(self) -> Any:
        apply_offline_env()
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if not self.chroma_url:
            (self.index_dir / "chroma").mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(
                path=str(self.index_dir / "chroma"), settings=chroma_settings
            )
        url = urlparse(self.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {self.chroma_url}: start it "
                f"(`chroma run --path DIR --port {url.port or 8000}`) or unset RAG_CHROMA_URL"
            ) from exc

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
        """The stamp of the last write (re-read from the store each time)."""
        try:
            collection = self._client.get_collection(self.collection_name, embedding_function=None)
        except Exception as exc:
            raise self._unavailable(exc) from exc
        return str((collection.metadata or {}).get("generation", ""))

    def new_generation(self) -> str:
        """Stamp the collection before a write; a crash mid-write leaves the new stamp, so
        readers rebuild their derived state rather than trust a stale copy."""
        stamp = uuid.uuid4().hex
        metadata = {**self.signature, "generation": stamp}
        self._call("modify", metadata=metadata)
        return stamp

    # Reads ------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of chunks stored."""
        return int(self._call("count"))

    def query(
        self, embedding: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks to ``embedding``: (chunk_id, cosine similarity), best first."""
        total = self.count()
        if total == 0:
            return []
        result = self._call(
            "query",
            query_embeddings=[embedding.tolist()],
            n_results=min(n, total),
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


def drop_index(index_dir: Path, collection: str, chroma_url: str | None = None) -> None:
    """Delete the collection and the derived lexical files (a full rebuild follows)."""
    import shutil

    apply_offline_env()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        client = chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or 8000, settings=settings
        )
    else:
        client = chromadb.PersistentClient(path=str(Path(index_dir) / "chroma"), settings=settings)
    if collection in {c.name for c in client.list_collections()}:
        client.delete_collection(collection)
    shutil.rmtree(Path(index_dir) / "lexical", ignore_errors=True)
