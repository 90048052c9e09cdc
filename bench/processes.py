"""The processes a benchmark drives: ``rag serve``, ``rag index`` and ``chroma run``.

Each runs as a subprocess of the benchmark with its output in a log file, on a free loopback
port, in the caller's environment (its RAG_* settings included, except those the flags set;
no ./rag.toml is read). ``start_*`` return once the process answers over HTTP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Set by the flags (store_flags), whatever the environment says.
FLAG_SETTINGS = ("RAG_INDEX_DIR", "RAG_CHROMA_URL", "RAG_HOST", "RAG_PORT")


def child_env() -> dict[str, str]:
    """The environment of ``rag serve`` and ``rag index``: the caller's, RAG_* settings
    included (RAG_LOCAL_THREADS, RAG_ANSWERER, RAG_LOCAL_QUEUE_MAX …), except those the
    flags set. No ./rag.toml is read (``--config`` is the null device)."""
    return {k: v for k, v in os.environ.items() if k not in FLAG_SETTINGS}


def rag_settings_env() -> dict[str, str]:
    """The RAG_* settings the children inherit, for the report (a token shown as ***)."""
    env = child_env()
    return {
        k: ("***" if "TOKEN" in k or "KEY" in k else v)
        for k, v in sorted(env.items())
        if k.startswith("RAG_")
    }


def store_flags(index_dir: Path, chroma_url: str | None) -> list[str]:
    """The CLI flags naming the index (and the Chroma server, if one is used)."""
    flags = ["--index-dir", str(index_dir), "--config", os.devnull]
    return [*flags, "--chroma-url", chroma_url] if chroma_url else flags


def rag_index(paths: list[Path], flags: list[str], log: Path) -> subprocess.Popen:
    """``rag index PATHS FLAGS`` as a subprocess (output to ``log``)."""
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [BIN / "rag", "index", *paths, *flags],
            env=child_env(),
            stdout=fh,
            stderr=subprocess.STDOUT,
        )


# `rag serve FLAGS`: the CLI's own parser and run_serve (rag.cli.main has no "serve" entry).
SERVE = (
    "import sys; from rag.cli import build_parser; from rag.server import run_serve; "
    "sys.exit(run_serve(build_parser().parse_args(sys.argv[1:])))"
)


def start_chroma(path: Path, port: int, log: Path, timeout: float = 60) -> subprocess.Popen:
    """``chroma run`` on loopback as a subprocess; returns once its heartbeat answers."""
    with open(log, "ab") as fh:
        process = subprocess.Popen(
            [BIN / "chroma", "run", "--path", path, "--host", "127.0.0.1", "--port", str(port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    wait_for(process, f"http://127.0.0.1:{port}/api/v2/heartbeat", log, timeout)
    return process


def start_server(port: int, flags: list[str], log: Path, timeout: float = 180) -> subprocess.Popen:
    """``rag serve`` as a subprocess; returns once ``/api/health`` answers 200."""
    with open(log, "ab") as fh:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--port", str(port), *flags],
            env=child_env(),
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    wait_for(process, f"http://127.0.0.1:{port}/api/health", log, timeout)
    return process


def wait_for(process: subprocess.Popen, url: str, log: Path, timeout: float) -> None:
    """Wait until ``url`` answers 200; stop ``process`` and exit if it dies or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"{process.args[:3]} exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_process(process)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
