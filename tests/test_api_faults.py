"""The API and the CLI when the Chroma server behind them goes away, and when it comes back.

A real ``chroma run`` (:class:`tests.chroma_server.ChromaServer`) serves the index; it is
stopped by its PID and started again on the same port and folder. Requests while it is down
must get a quick 503 (CLI: exit 5), never a 500 or a hang, and answers must work again once
it is back, without restarting the app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.embed import Embedder
from rag.errors import StoreUnavailableError
from rag.facade import RagService
from tests.chroma_server import ChromaServer
from tests.conftest import ABU_DHABI_DOC, SEEDS, make_settings
from tests.conftest_server import LiveServer, run_server

pytestmark = [pytest.mark.slow, pytest.mark.server_mode]

RAG = Path(sys.executable).with_name("rag")
QUESTION = "Who led Russia's delegation in Abu Dhabi?"
DOWN_REPLY_S = 5.0  # a request while Chroma is down must fail within this


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path_factory.mktemp("chroma") / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def app(chroma: ChromaServer, embedder: Embedder, tmp_path_factory) -> Iterator[LiveServer]:
    """The API over the seed articles, indexed through the Chroma server."""
    index_dir = tmp_path_factory.mktemp("faults") / "index"
    service = RagService(make_settings(index_dir, chroma_url=chroma.url), embedder=embedder)
    service.index([SEEDS])
    server = run_server(service)
    yield server
    server.stop()


@pytest.fixture
def api(app: LiveServer, chroma: ChromaServer) -> Iterator[httpx.Client]:
    """A client; the Chroma server is running before and after each test."""
    if not chroma.alive():
        chroma.start()
    with httpx.Client(base_url=app.url, timeout=60) as client:
        yield client
    if not chroma.alive():
        chroma.start()


def ask(api: httpx.Client, timeout: float = 60) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = api.post("/api/answer", json={"question": QUESTION}, timeout=timeout)
    return response, time.monotonic() - started


def assert_answered(api: httpx.Client) -> None:
    response, _ = ask(api)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "Kostyukov" in body["answer"]
    assert ABU_DHABI_DOC in [c["doc_id"] for c in body["citations"]]


def test_chroma_down_gives_503_then_answers_again_after_restart(api, chroma):
    assert_answered(api)

    chroma.stop()
    for _ in range(2):  # the second request must not hang on a connection the first broke
        response, elapsed = ask(api, timeout=DOWN_REPLY_S * 4)
        assert elapsed < DOWN_REPLY_S, f"503 took {elapsed:.1f} s"
        assert response.status_code == 503, response.text
        error = response.json()["error"]
        assert error["code"] == StoreUnavailableError.code
        assert chroma.url in error["message"] and "running" in error["message"]
    health = api.get("/api/health", timeout=DOWN_REPLY_S * 4)
    assert health.status_code == 503
    assert health.json()["error"]["code"] == StoreUnavailableError.code

    chroma.start()  # same port, same folder: the app recovers without a restart
    assert_answered(api)
    assert api.get("/api/health").json()["documents"] == 5


def test_cli_ask_exits_5_with_one_error_line_while_chroma_is_down(api, app, chroma, tmp_path):
    chroma.stop()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    result = subprocess.run(
        [RAG, "ask", QUESTION, "--index-dir", app.index_dir, "--chroma-url", chroma.url],
        cwd=tmp_path,  # no rag.toml here
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 5, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert chroma.url in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""

    chroma.start()
    assert_answered(api)
