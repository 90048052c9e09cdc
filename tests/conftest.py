"""Shared fixtures: the real embedding model, real Chroma indexes in temp dirs."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answering.local import is_local
from rag.embed import Embedder
from rag.facade import RagService
from rag.offline import apply_offline_env
from rag.settings import DEFAULT_LLM_MODEL, PACKAGED_EMBEDDING_MODEL, Settings, load_settings

apply_offline_env()

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
ABU_DHABI_DOC = "004_7e214bf29fe07e15"
PARIS_DOC = "000_d5d63aa23eca2a32"

pytest_plugins = ["tests.fake_provider", "tests.chroma_server"]


def write_feed(path: Path, records: list[dict]) -> Path:
    """``records`` written to ``path`` as a JSONL feed, one article per line."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    model = Embedder(PACKAGED_EMBEDDING_MODEL)
    model.embed(["warm up"])
    return model


# Example questions for the seed corpus, as a user would put them in rag.toml.
TEST_LOCAL_TIMEOUT_S = 900.0
SEED_EXAMPLES = ["Who led Russia's delegation in Abu Dhabi?", "Where did Kerry and Lavrov meet?"]


def make_settings(index_dir: Path, **overrides: object) -> Settings:
    """Settings isolated from the developer's env vars and rag.toml (an empty config file).

    The extractive answerer unless the test names an LLM (``llm_model=``) or the answerer:
    tests of the local model say so (tests/test_local_llm.py)."""
    overrides.setdefault("answerer", "llm" if "llm_model" in overrides else "extractive")
    # On a machine shared with other busy processes, RAG_TEST_LOCAL_THREADS=1 keeps
    # llama.cpp from stalling on its own threads (docs/benchmarks.md); 0 is one per core.
    overrides.setdefault("local_threads", int(os.environ.get("RAG_TEST_LOCAL_THREADS") or 0))
    if overrides["answerer"] == "llm" and is_local(overrides.get("llm_model", DEFAULT_LLM_MODEL)):
        # Tests check what the model does, not how fast: on a loaded machine an answer may
        # take minutes, and llm_timeout_s would turn it into the extractive fallback.
        overrides.setdefault("llm_timeout_s", TEST_LOCAL_TIMEOUT_S)
    return load_settings(config_file=Path(os.devnull), environ={}, index_dir=index_dir, **overrides)


@pytest.fixture
def make_service(tmp_path: Path, embedder: Embedder):
    """Build a service on a fresh index dir: ``make_service(**settings_overrides)``."""

    def build(**overrides: object) -> RagService:
        index_dir = overrides.pop("index_dir", tmp_path / "index")
        return RagService(make_settings(Path(index_dir), **overrides), embedder=embedder)

    return build


@pytest.fixture
def feed_service(tmp_path: Path, make_service):
    """A service whose fresh index holds the articles ``records`` (written as a JSONL feed):
    ``feed_service(records, **settings_overrides)``."""

    def build(records: list[dict], **overrides: object) -> RagService:
        feed = write_feed(tmp_path / "articles.jsonl", records)
        service = make_service(**overrides)
        service.index([feed])
        return service

    return build


@pytest.fixture(scope="session")
def seeded_service(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[RagService]:
    """A service whose index holds the five seed articles (shared, read-only in tests)."""
    index_dir = tmp_path_factory.mktemp("seeded") / "index"
    service = RagService(
        make_settings(index_dir, example_questions=SEED_EXAMPLES), embedder=embedder
    )
    service.index([SEEDS])
    yield service
    shutil.rmtree(index_dir, ignore_errors=True)


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed articles."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def shared_model(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> None:
    """In-process ``rag`` commands: no RAG_* from the developer, the session's loaded model."""
    import rag.facade

    monkeypatch.setattr(rag.facade, "Embedder", lambda *args, **kwargs: embedder)
    for name in [k for k in os.environ if k.startswith("RAG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RAG_ANSWERER", "extractive")


@pytest.fixture
def seeded_index(tmp_path: Path, seeded_service: RagService) -> Path:
    """A private copy of the session's seeded index, free to write to."""
    target = tmp_path / "index"
    shutil.copytree(seeded_service.settings.index_dir, target)
    return target


@pytest.fixture(scope="session")
def served_service(
    chroma_server, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> RagService:
    """The seed articles indexed into a real ``chroma run`` server by one client and read
    through a second one with an empty index folder (so its lexical cache comes from the
    server)."""

    def client(folder: str) -> RagService:
        settings = make_settings(
            tmp_path_factory.mktemp(folder) / "index",
            chroma_url=chroma_server.url,
            collection="seeds",
        )
        return RagService(settings, embedder=embedder)

    report = client("writer").index([SEEDS])
    assert len(report.added) == 5 and report.chunks_written > 0
    return client("reader")


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server_mode)])
def any_mode_service(request: pytest.FixtureRequest) -> RagService:
    """The seeded service in each storage mode: embedded Chroma, then a Chroma server."""
    name = "seeded_service" if request.param == "embedded" else "served_service"
    return request.getfixturevalue(name)
