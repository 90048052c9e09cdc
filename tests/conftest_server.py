"""Live servers for the API, gradio_client and browser tests.

A real uvicorn server runs in a background thread on a free 127.0.0.1 port, over a real
index built from the seed articles. Register with ``pytest_plugins = ["tests.conftest_server"]``.

- ``live_server``: the shared, read-only seeded index (session scoped).
- ``start_server``: a factory for servers over their own fresh index (for writes, tokens,
  small limits); they stop when the test module ends.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.embed import Embedder
from rag.facade import RagService
from tests.conftest import SEEDS, make_settings

START_TIMEOUT_S = 60


@dataclass
class LiveServer:
    """A running server: its base URL and the service behind it."""

    url: str
    service: RagService
    _server: object
    _thread: threading.Thread

    @property
    def index_dir(self) -> Path:
        return Path(self.service.settings.index_dir)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


def run_server(service: RagService) -> LiveServer:
    """Start ``create_app(service)`` under uvicorn on a free port; returns when it serves."""
    import uvicorn

    from rag.server import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(service),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,  # open event streams must not hold up the test run
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", service, server, thread)


@pytest.fixture(scope="session")
def live_server(seeded_service: RagService) -> Iterator[LiveServer]:
    """The app over the shared seeded index. Do not write through it."""
    server = run_server(seeded_service)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def start_server(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[Callable[..., LiveServer]]:
    """``start_server(**settings)``: a server over a fresh index of the seed articles."""
    started: list[tuple[LiveServer, Path]] = []

    def start(**overrides: object) -> LiveServer:
        root = tmp_path_factory.mktemp("server")
        service = RagService(make_settings(root / "index", **overrides), embedder=embedder)
        service.index([SEEDS])
        server = run_server(service)
        started.append((server, root))
        return server

    yield start
    for server, root in started:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
