"""A real Chroma server for tests: ``chroma run`` in a subprocess on a free local port.

``chroma_server`` is a session fixture (one server for the whole run); tests that stop and
restart a server build their own :class:`ChromaServer`. Servers are stopped by their PID.
Tests using them are marked ``server_mode`` and skipped when the ``chroma`` CLI is missing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

# A cold start on a loaded 2-core machine takes a few seconds; allow for much worse.
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


def chroma_cli() -> str | None:
    """The ``chroma`` command beside this Python (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    """``chroma run --path PATH --port PORT --host 127.0.0.1``, started and stopped by PID."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = Path(path)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.path.parent / f"chroma-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        cli = chroma_cli()
        if cli is None:
            pytest.skip("the chroma CLI is not installed (pip install chromadb)")
        self.path.mkdir(parents=True, exist_ok=True)
        args = [cli, "run", "--path", str(self.path), "--port", str(self.port)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*args, "--host", "127.0.0.1"], stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(
                    f"chroma run exited with {self.process.returncode}:\n{self.log.read_text()}"
                )
            if self.alive():
                return
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"chroma run did not answer its heartbeat in {START_TIMEOUT_S:.0f} s")

    def alive(self) -> bool:
        """Whether the heartbeat endpoint answers."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Terminate the server process (by its PID), killing it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One Chroma server for the test session, on a free port, with its data in a temp dir."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data").start()
    try:
        yield server
    finally:
        server.stop()
