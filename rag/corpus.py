"""The indexed articles: the Chroma store and the lexical index, kept in step."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from rag.chunk import CHUNKER_VERSION
from rag.embed import Embedder
from rag.lexical import DocumentInfo, LexicalIndex
from rag.lock import is_locked
from rag.settings import Settings
from rag.store import ChunkStore

LEXICAL_DIR = "lexical"
log = logging.getLogger(__name__)
# Model tokens kept free for the title that is prepended to every chunk before embedding.
TITLE_TOKEN_ALLOWANCE = 32


def index_signature(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """What an index must have been built with to be queried with these settings."""
    return {
        "embedding_model": settings.embedding_model,
        "dimension": embedder.dimension,
        "chunk_tokens": chunk_tokens(settings, embedder),
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "chunker_version": CHUNKER_VERSION,
    }


def chunk_tokens(settings: Settings, embedder: Embedder) -> int:
    """The chunk budget: the setting, capped so a title plus the chunk fits the model."""
    return min(settings.chunk_tokens, embedder.max_tokens - TITLE_TOKEN_ALLOWANCE)


class Corpus:
    """Opens the store for a settings object and serves an up-to-date lexical index."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = ChunkStore(
            settings.index_dir,
            settings.collection,
            index_signature(settings, embedder),
            settings.chroma_url,
        )
        self._lexical_dir = settings.index_dir / LEXICAL_DIR
        self._lexical: LexicalIndex | None = None
        self._refresh_lock = threading.Lock()

    @property
    def lexical(self) -> LexicalIndex:
        """The lexical index matching the store's current generation (rebuilt if stale)."""
        generation = self.store.generation
        current = self._lexical
        if current is not None and current.generation == generation:
            return current
        with self._refresh_lock:
            if self._lexical is None or self._lexical.generation != generation:
                loaded = LexicalIndex.load(self._lexical_dir)
                if loaded is None and LexicalIndex.made_with_other_terms(self._lexical_dir):
                    log.warning(
                        "the keyword index was made by an older version of the service; "
                        "rebuilding it from the %d stored passages (once; about a minute "
                        "per 40,000 passages)",
                        self.store.count(),
                    )
                if loaded is None or loaded.generation != generation:
                    # A reader rebuilding while a writer works keeps its copy in memory only:
                    # saved under the writer's stamp it could outlive a writer that dies.
                    save = not is_locked(self.settings.index_dir)
                    loaded = self.rebuild_lexical(generation, save=save)
                self._lexical = loaded
            return self._lexical

    def rebuild_lexical(self, generation: str | None = None, save: bool = True) -> LexicalIndex:
        """Rebuild the lexical index and catalogue from the store (and save them)."""
        generation = generation or self.store.generation
        lexical = LexicalIndex.build(generation, self.store.iter_all())
        if save:
            with contextlib.suppress(OSError):  # a read-only index folder serves from memory
                lexical.save(self._lexical_dir)
        self._lexical = lexical
        return lexical

    def documents(self) -> dict[str, DocumentInfo]:
        """The indexed documents by id."""
        return self.lexical.documents
