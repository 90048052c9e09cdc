"""Incremental re-index: ``rag index`` again over an unchanged 10k-document corpus.

    .venv/bin/python -m bench.reindex --docs 10000

Uses the index ``bench.query`` builds (``bench/.cache/index-N``), writes the same documents
again as JSONL into a temp folder (same ids and content, so every one is unchanged), and
times the whole command in fresh processes (interpreter start, model load, reading and
cleaning every file, comparing hashes). Then, in this process, the parts: opening the
index (model load, lexical cache), and ``index()`` itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import bench_settings, children_cpu_s, load, machine, write_corpus
from bench.query import build, index_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    build(args.docs)
    folder = index_dir(args.docs)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    with tempfile.TemporaryDirectory(prefix="rag-bench-reindex-") as tmp:
        docs = write_corpus(Path(tmp) / "docs", args.docs)
        command = [str(Path(sys.executable).parent / "rag"), "index", str(docs)]
        command += ["--index-dir", str(folder), "--config", os.devnull]
        samples, cpu = [], []
        for _ in range(args.repeat):
            before = load()
            started, cpu_before = time.perf_counter(), children_cpu_s()
            out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
            samples.append(time.perf_counter() - started)
            cpu.append(children_cpu_s() - cpu_before)
            print(
                f"  {samples[-1]:.2f} s wall, {cpu[-1]:.2f} s CPU: {out.stdout.strip()} "
                f"(load {before})",
                flush=True,
            )
        print(
            f"rag index, {args.docs} unchanged documents: median {statistics.median(samples):.2f} s"
            f" wall, {statistics.median(cpu):.2f} s CPU, over {len(samples)} runs; load {load()}",
            flush=True,
        )

        from rag.facade import RagService

        before = load()
        service = RagService(bench_settings(folder))
        t0 = time.perf_counter()
        service.embedder.model  # noqa: B018 - the load is what is timed
        t1 = time.perf_counter()
        service.corpus.documents()
        t2 = time.perf_counter()
        report = service.index([docs])
        t3 = time.perf_counter()
        print(
            f"in-process: model load {t1 - t0:.2f} s, open index + lexical cache {t2 - t1:.2f} s,"
            f" index() {t3 - t2:.2f} s ({report.summary()}); load {before} -> {load()}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
