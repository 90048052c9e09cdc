"""Start-up times: ``rag --help``, ``import rag``, and ``rag serve`` to its first answer.

    .venv/bin/python -m bench.startup --index-dir bench/.cache/index-1000

Each figure is the median of ``--repeat`` fresh processes (wall time from spawn to exit).
The serve figure spawns ``rag serve`` on a free port and posts a question to ``/api/answer``
until one is answered; it needs a built index (``python -m bench.query --build-only``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import CACHE, children_cpu_s, load, machine
from bench.processes import free_port

VENV_BIN = Path(sys.executable).parent
QUESTION = "What happened: Fears for T N pension after talks?"


def _env() -> dict[str, str]:
    """The caller's environment without RAG_* settings (and no ./rag.toml: see cwd)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}


def _time_command(args: list[str], repeat: int, cwd: Path) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, cpu_before = time.perf_counter(), children_cpu_s()
        subprocess.run(args, check=True, capture_output=True, env=_env(), cwd=cwd)
        wall.append(time.perf_counter() - started)
        cpu.append(children_cpu_s() - cpu_before)
    return wall, cpu


# ``rag serve`` through the library, for a checkout where the CLI does not offer it yet.
SERVE_SNIPPET = (
    "import sys; from rag.settings import load_settings; from rag.server import serve; "
    "serve(load_settings(index_dir=sys.argv[1], port=int(sys.argv[2])))"
)


def serve_command(index_dir: Path, port: int, via_cli: bool) -> list[str]:
    if via_cli:
        return [str(VENV_BIN / "rag"), "serve", "--index-dir", str(index_dir), "--port", str(port)]
    return [sys.executable, "-c", SERVE_SNIPPET, str(index_dir), str(port)]


def first_answer(
    index_dir: Path,
    cwd: Path,
    via_cli: bool = True,
    timeout_s: float = 600.0,
    question: str = QUESTION,
) -> dict[str, float | str]:
    """Seconds from spawning ``rag serve`` to its first answer, the first answer's own request
    (what a user who waited for "ready" sees), and the next answer's."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        serve_command(index_dir.resolve(), port, via_cli),
        env=_env(),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    body = json.dumps({"question": question}).encode()
    out: dict[str, float | str] = {}
    try:
        while time.perf_counter() - started < timeout_s:
            if proc.poll() is not None:
                raise RuntimeError(f"rag serve exited with {proc.returncode}")
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/answer",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            asked = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    out["first_model"] = json.load(response)["model"]
                out["first_answer_s"] = time.perf_counter() - started
                out["first_request_s"] = time.perf_counter() - asked
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        t0 = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            json.load(response)
        out["second_answer_s"] = time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--index-dir", type=Path, default=CACHE / "index-1000")
    parser.add_argument("--question", default=QUESTION, help="asked of the served index")
    parser.add_argument("--serve-only", action="store_true", help="only the rag serve figure")
    args = parser.parse_args(argv)
    # Run from an empty folder so no ./rag.toml or ./index of the checkout is picked up.
    cwd = CACHE / "startup-cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}", flush=True)
    figures = {
        "rag --help": [str(VENV_BIN / "rag"), "--help"],
        "import rag": [sys.executable, "-c", "import rag"],
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
    }
    for name, command in figures.items() if not args.serve_only else ():
        before = load()
        samples, cpu = _time_command(command, args.repeat, cwd)
        print(
            f"{name:<24} median {statistics.median(samples):.3f} s wall "
            f"(min {min(samples):.3f}), {statistics.median(cpu):.3f} s CPU, "
            f"over {len(samples)} runs; load {before} -> {load()}",
            flush=True,
        )
    if args.index_dir.exists():
        before = load()
        how = "rag serve"
        try:
            times = first_answer(args.index_dir, cwd, question=args.question)
        except RuntimeError as exc:
            how = f"rag.server.serve (the CLI failed: {exc})"
            times = first_answer(args.index_dir, cwd, via_cli=False, question=args.question)
        print(
            f"{how}: first answer {times['first_answer_s']:.1f} s after spawn, its request "
            f"{times['first_request_s']:.1f} s ({times['first_model']}), next answer "
            f"{times['second_answer_s']:.1f} s; index {args.index_dir}; "
            f"load {before} -> {load()}",
            flush=True,
        )
    else:
        print(f"rag serve: skipped, no index at {args.index_dir}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
