"""Server-mode specifics against a real Chroma server (``chroma run``); the core answer and
retrieval checks run in both modes through the ``any_mode_service`` fixture.

In server mode Chroma is the source of truth and each client's lexical index is a cache
keyed by the collection's generation stamp: these tests index through one client and read
through another with an empty index folder, and stop a server mid-session.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.embed import Embedder
from rag.errors import StoreUnavailableError
from rag.facade import RagService
from tests.chroma_server import ChromaServer, free_port
from tests.conftest import ABU_DHABI_DOC, SEEDS, make_settings

pytestmark = pytest.mark.server_mode


def _service(server_url: str, index_dir: Path, embedder: Embedder, **overrides) -> RagService:
    settings = make_settings(index_dir, chroma_url=server_url, **overrides)
    return RagService(settings, embedder=embedder)


def test_a_fresh_client_rebuilds_its_lexical_cache_from_the_server(served_service):
    served = served_service
    assert len(served.documents()) == 5
    lexical = served.corpus.lexical
    assert lexical.generation == served.corpus.store.generation
    assert len(lexical.chunk_ids) == served.corpus.store.count()
    assert (served.settings.index_dir / "lexical" / "current.json").exists()


def test_reindex_unchanged_writes_nothing_and_remove_deletes(
    chroma_server: ChromaServer, tmp_path: Path, embedder: Embedder
):
    service = _service(chroma_server.url, tmp_path / "index", embedder, collection="reindex")
    service.index([SEEDS])
    generation = service.corpus.store.generation
    again = service.index([SEEDS])
    assert again.unchanged == 5 and again.chunks_written == 0
    assert service.corpus.store.generation == generation, "no write happened"

    service.remove([ABU_DHABI_DOC])
    other = _service(chroma_server.url, tmp_path / "other", embedder, collection="reindex")
    for client in (service, other):
        assert ABU_DHABI_DOC not in {d.doc_id for d in client.documents()}
        hits = client.retrieve("Abu Dhabi delegation", top_k=10)
        assert all(p.chunk.doc_id != ABU_DHABI_DOC for p in hits)


def test_rebuild_through_the_server(chroma_server: ChromaServer, tmp_path: Path, embedder):
    service = _service(chroma_server.url, tmp_path / "index", embedder, collection="rebuilt")
    service.index([SEEDS])
    service.reset_index()
    assert len(service.index([SEEDS]).added) == 5


def test_server_down_is_a_clear_error_and_the_client_recovers(tmp_path: Path, embedder: Embedder):
    server = ChromaServer(tmp_path / "data").start()
    try:
        service = _service(server.url, tmp_path / "index", embedder)
        service.index([SEEDS])
        server.stop()
        for call in (
            lambda: service.answer("Who led Russia's delegation in Abu Dhabi?"),
            lambda: service.index([SEEDS]),
            service.reset_index,
        ):
            with pytest.raises(StoreUnavailableError, match=server.url) as caught:
                call()
            assert "is running" in str(caught.value) or "start it" in str(caught.value)

        server.start()  # same port, same data
        result = service.answer("Who led Russia's delegation in Abu Dhabi?")
        assert "Kostyukov" in result.answer
        assert service.index([SEEDS]).unchanged == 5
    finally:
        server.stop()


def test_no_server_at_the_url_is_a_clear_error_at_open(tmp_path: Path, embedder: Embedder):
    url = f"http://127.0.0.1:{free_port()}"
    service = _service(url, tmp_path / "index", embedder)
    with pytest.raises(StoreUnavailableError, match="chroma run"):
        service.documents()
    shutil.rmtree(tmp_path / "index", ignore_errors=True)
