"""The facade the CLI, the HTTP API, the UI and the evaluator all call.

One ``RagService`` per settings object: it loads the embedding model and opens the index
once, lazily, and every front end goes through the same methods.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TypedDict, Unpack

from rag.answering.pipeline import answer_question, answer_stream
from rag.corpus import LEXICAL_DIR, Corpus
from rag.embed import Embedder
from rag.errors import InputError, NotFoundError, RagError
from rag.indexer import IndexReport, Progress, index_paths, remove_documents
from rag.lexical import DocumentInfo
from rag.lock import index_lock
from rag.retrieve import Filters, make_filters, retrieve
from rag.settings import Settings
from rag.types import Answer, Passage


def _installed(name: str) -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        version(name)
    except PackageNotFoundError:
        return False
    return True


def local_model_status(settings: Settings) -> dict[str, Any] | None:
    """For a ``local/...`` model: whether it is loaded, its file and threads; else None."""
    from rag.answering.local import is_local, loaded_runtimes

    if not is_local(settings.generator):
        return None
    loaded = loaded_runtimes()
    if not loaded:
        return {"loaded": False}
    runtime = loaded[0]
    return {
        "loaded": True,
        "file": str(runtime.config.model_file),
        "threads": runtime.config.threads,
        "parallel": runtime.config.parallel,
        "load_s": round(runtime.load_s, 2),
    }


class Limits(TypedDict, total=False):
    """What a search may be limited to, as keyword arguments of the answer methods."""

    doc_ids: Sequence[str]  # only these documents
    date_from: str  # ISO dates, inclusive
    date_to: str
    as_of: str  # the date "this week" or "recently" counts back from (default today)


LIMIT_NAMES = tuple(Limits.__annotations__)


def _filters(filters: Filters | None, limits: Limits) -> Filters | None:
    """``filters`` as given, or checked ones made of the keyword ``limits`` (not both)."""
    unknown = sorted(set(limits) - set(LIMIT_NAMES))
    if unknown:
        raise TypeError(f"unexpected argument {unknown[0]!r}: the limits are {LIMIT_NAMES}")
    given = {name: value for name, value in limits.items() if value is not None}
    if not given:
        return filters
    if filters is not None:
        raise InputError("give either filters= or doc_ids/date_from/date_to/as_of, not both")
    return make_filters(**given)


def index_missing(settings: Settings) -> bool:
    """Whether ``settings`` name a local index folder that does not exist (yet)."""
    return not settings.chroma_url and not Path(settings.index_dir).is_dir()


def require_index(settings: Settings) -> None:
    """A :class:`NotFoundError` when ``settings`` name a local index folder that does not
    exist: a mistyped ``index_dir`` (or a script run from another folder) is an error, not
    an empty index made there and read as one."""
    if index_missing(settings):
        raise NotFoundError(
            f"no index at {settings.index_dir}: index articles first "
            f"(`rag index FOLDER --index-dir {settings.index_dir}`)"
        )


class RagService:
    """Index articles and answer questions about them."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._open_lock = threading.Lock()
        if embedder is not None:
            self.__dict__["embedder"] = embedder

    @cached_property
    def embedder(self) -> Embedder:
        """The embedding model (loaded on first use); pass one in to share it."""
        return Embedder(
            self.settings.embedding_model,
            self.settings.embedding_batch_size,
            self.settings.embedding_threads,
            self.settings.embedding_precision,
            self.settings.embedding_backend,
        )

    @property
    def corpus(self) -> Corpus:
        """The open index (opened on first use)."""
        with self._open_lock:
            if "_corpus" not in self.__dict__:
                self.__dict__["_corpus"] = Corpus(self.settings, self.embedder)
            return self.__dict__["_corpus"]

    def reset_index(self, wait_s: float = 0.0) -> None:
        """Delete the whole index, for a rebuild with other settings (under the write lock)."""
        from rag.store import drop_collection

        with index_lock(self.settings.index_dir, wait_s), self._open_lock:
            self.__dict__.pop("_corpus", None)
            drop_collection(
                self.settings.index_dir, self.settings.collection, self.settings.chroma_url
            )
            shutil.rmtree(self.settings.index_dir / LEXICAL_DIR, ignore_errors=True)

    def index(
        self,
        paths: Sequence[str | Path],
        prune: bool = False,
        wait_s: float = 0.0,
        progress: Progress | None = None,
        rebuild: bool = False,
    ) -> IndexReport:
        """Index the articles under ``paths`` (incrementally; ``rebuild`` starts over)."""
        with index_lock(self.settings.index_dir, wait_s):
            if rebuild:
                self.reset_index()
            return index_paths(self.corpus, paths, prune=prune, progress=progress)

    def remove(self, doc_ids: Sequence[str], wait_s: float = 0.0) -> list[str]:
        """Delete documents by id."""
        return remove_documents(self.corpus, doc_ids, wait_s=wait_s)

    def documents(self) -> list[DocumentInfo]:
        """The indexed documents, newest first (undated last)."""
        docs = list(self.corpus.documents().values())
        return sorted(docs, key=lambda d: (d.date or "", d.doc_id), reverse=True)

    def retrieve(
        self,
        query: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        **limits: Unpack[Limits],
    ) -> list[Passage]:
        """The passages hybrid search finds for ``query``; ``limits`` as in :meth:`answer`."""
        return retrieve(self.corpus, query, self.settings, top_k, _filters(filters, limits))

    def answer(
        self,
        question: str,
        history: list[dict] | None = None,
        top_k: int | None = None,
        filters: Filters | None = None,
        **limits: Unpack[Limits],
    ) -> Answer:
        """A short cited answer (or a refusal).

        ``limits``: ``doc_ids``, ``date_from``, ``date_to`` (ISO dates, inclusive) and
        ``as_of`` (the date "this week" counts back from), as :func:`rag.answer` takes them;
        or a ready :class:`~rag.retrieve.Filters` as ``filters``, not both.
        """
        return answer_question(self.corpus, question, history, top_k, _filters(filters, limits))

    def answer_stream(
        self,
        question: str,
        history: list[dict] | None = None,
        top_k: int | None = None,
        filters: Filters | None = None,
        **limits: Unpack[Limits],
    ) -> Iterator[str | Answer]:
        """Text deltas, then the final :class:`Answer`; arguments as in :meth:`answer`."""
        return answer_stream(self.corpus, question, history, top_k, _filters(filters, limits))

    def check_answerer(self) -> str | None:
        """Load the local model now (if one is chosen); the one-line reason it cannot answer."""
        from rag.answering.local import check_local_model, is_local

        if not is_local(self.settings.generator):
            return None
        return check_local_model(self.settings)

    def warm_answerer(self) -> str | None:
        """Load the local model and read its system prompt into the KV cache, so the first
        question is as fast as the next; the one-line reason it cannot answer. A remote
        provider is not called (it would be a paid request)."""
        from rag.answering.local import is_local
        from rag.answering.reader import prefill_system_prompt

        problem = self.check_answerer()
        if problem is None and is_local(self.settings.generator):
            try:
                prefill_system_prompt(self.settings)
            except RagError as exc:
                return str(exc)
        return problem

    def health(self) -> dict[str, Any]:
        """Index size, models and versions."""
        from importlib.metadata import version

        corpus = self.corpus
        return {
            "status": "ok",
            "documents": len(corpus.documents()),
            "passages": corpus.store.count(),
            "index": corpus.store.location,
            "embedding_model": self.settings.embedding_model,
            "embedding_precision": self.embedder.dtype_name,
            "embedding_backend": self.embedder.runtime,
            "answerer": "llm" if self.settings.generator else "extractive",
            "llm_model": self.settings.generator or "extractive",
            "local_model": local_model_status(self.settings),
            "versions": {
                name: version(name)
                for name in (
                    "rag",
                    "chromadb",
                    "sentence-transformers",
                    "openvino",
                    "litellm",
                    "gradio",
                    "xllamacpp",
                )
                if _installed(name)
            },
        }
