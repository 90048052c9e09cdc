"""Query latency at 1k, 10k and 100k passages: retrieval alone and a full extractive answer.

    .venv/bin/python -m bench.query --sizes 1000 10000 100000

Each index is built once under ``bench/.cache/index-N`` (``--build-only`` just builds; the
100k build embeds 100k passages, about 40 min on 2 cores). Each size is then measured in a
fresh process, so the peak RSS reported is that of a process serving that index alone.
Questions are made from the titles of indexed AG News items ("What happened: <title>?"),
plus as many made from words no article uses (which the answerer must refuse).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.indexer import IndexProgress

from bench.common import (
    CACHE,
    Timer,
    bench_settings,
    current_rss_mib,
    du_mib,
    iter_records,
    load,
    machine,
    peak_rss_mib,
    percentiles,
    write_corpus,
)

MEASURE = [sys.executable, "-m", "bench.query", "--measure-one"]


# Derived vectors: a variant's vector is its original item's real vector plus this much
# Gaussian noise per dimension, renormalised (cosine to the original about 0.95, near what
# the real model gives a sentence with a seventh of its words dropped).
DERIVED_NOISE = 0.017
DERIVED_FROM = 10000


def index_dir(n: int, derived: bool = False) -> Path:
    return CACHE / (f"index-{n}-derived" if derived else f"index-{n}")


def _derived_embed(service, real_embed):
    """An ``embed`` that reuses the real vectors of the 10k index (see module docstring)."""
    import hashlib

    import numpy as np

    from rag.store import ChunkStore

    source = ChunkStore(index_dir(DERIVED_FROM), service.settings.collection, {})
    by_title: dict[str, np.ndarray] = {}
    offset = 0
    while True:
        page = source._collection.get(
            include=["embeddings", "metadatas"], limit=2000, offset=offset
        )
        if not len(page["ids"]):
            break
        for vector, meta in zip(page["embeddings"], page["metadatas"], strict=True):
            if str(meta["doc_id"]).startswith("ag00-"):
                by_title.setdefault(str(meta["title"]), np.asarray(vector, dtype=np.float32))
        offset += len(page["ids"])

    def embed(texts):
        out = []
        for text in texts:
            base = by_title.get(text.split("\n", 1)[0])
            if base is None:
                out.append(real_embed([text])[0])
                continue
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())
            noisy = base + np.random.default_rng(seed).normal(0, DERIVED_NOISE, base.shape)
            out.append(noisy / np.linalg.norm(noisy))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)

    return embed


def build(n: int, derived: bool = False) -> dict:
    """Build (once) the index of ``n`` AG News documents; returns its build record.

    ``derived``: embed nothing; take the vectors of the real 10k index (plus noise for the
    variants), so a 100k index takes minutes instead of about 40 min of embedding.
    """
    from rag.facade import RagService

    folder = index_dir(n, derived)
    record_path = folder / "build.json"
    if record_path.exists():
        return json.loads(record_path.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"rag-bench-docs-{n}-") as tmp:
        write_corpus(Path(tmp), n)
        service = RagService(bench_settings(folder))
        if derived:
            build(DERIVED_FROM)
            service.embedder.embed = _derived_embed(service, service.embedder.embed)
        load_before = load()
        done = [0]

        def progress(state: IndexProgress) -> None:
            if state.documents % 5000 == 0 and state.documents != done[0]:
                print(
                    f"  {state.documents} documents read ({time.strftime('%H:%M:%S')})", flush=True
                )
            done[0] = state.documents

        with Timer() as t:
            report = service.index([tmp], progress=progress)
    record = {
        "vectors": f"derived from index-{DERIVED_FROM} (+noise)" if derived else "real",
        "documents": n,
        "passages": service.corpus.store.count(),
        "seconds": round(t.seconds, 1),
        "passages_per_s": round(report.chunks_written / t.seconds, 1),
        "load_before": load_before,
        "load_after": load(),
        "summary": report.summary(),
    }
    record_path.write_text(json.dumps(record, indent=2))
    return record


def questions(n: int, count: int, seed: int = 7) -> list[str]:
    """Questions about indexed items, and some about nothing indexed."""
    rng = random.Random(seed)
    records = list(iter_records(min(n, 7600)))
    picked = rng.sample(records, min(count, len(records)))
    asked = [f"What happened: {r['title']}?" for r in picked]
    unknown = [
        "Who won the 2031 Martian curling championship?",
        "What did the Zorblax council decide about quintessence tariffs?",
        "When will the Antarctic railway to Vostok open?",
        "How many narwhals joined the Lisbon orchestra?",
    ]
    return asked + [unknown[i % len(unknown)] for i in range(count // 10)]


def _stage_times(service, qs: list[str]) -> dict[str, dict[str, float]]:
    """Per-stage latency of retrieval and answer, to find the bottleneck."""
    from rag.answering.extractive import extractive_answer
    from rag.retrieve import retrieve

    corpus = service.corpus
    settings = service.settings
    stages: dict[str, list[float]] = {
        k: [] for k in ("generation", "embed_query", "dense", "bm25", "get", "extractive")
    }
    for q in qs:
        t0 = time.perf_counter()
        _ = corpus.store.generation
        t1 = time.perf_counter()
        vector = corpus.embedder.embed([q])[0]
        t2 = time.perf_counter()
        dense = corpus.store.query(vector, settings.candidates)
        t3 = time.perf_counter()
        corpus.lexical.search(q, settings.candidates)
        t4 = time.perf_counter()
        corpus.store.get([cid for cid, _ in dense[: settings.top_k]])
        t5 = time.perf_counter()
        passages = retrieve(corpus, q, settings, query_vector=vector)
        t6 = time.perf_counter()
        extractive_answer(q, passages, corpus.lexical, corpus.embedder, settings, vector)
        t7 = time.perf_counter()
        for key, seconds in zip(
            stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t7 - t6), strict=True
        ):
            stages[key].append(seconds * 1000)
    return {k: percentiles(v) for k, v in stages.items()}


def measure(n: int, count: int, derived: bool = False) -> dict:
    """Open the index of ``n`` documents as a server would and time questions against it."""
    from rag.facade import RagService

    folder = index_dir(n, derived)
    service = RagService(bench_settings(folder))
    with Timer() as open_t:
        service.retrieve("warm up", top_k=1)
    qs = questions(n, count)
    for q in qs[:5]:  # warm caches (tokenizer, allocator, Chroma's HNSW pages)
        service.answer(q)
    retrieve_ms, answer_ms, abstained = [], [], 0
    for q in qs:
        t0 = time.perf_counter()
        service.retrieve(q)
        t1 = time.perf_counter()
        result = service.answer(q)
        t2 = time.perf_counter()
        retrieve_ms.append((t1 - t0) * 1000)
        answer_ms.append((t2 - t1) * 1000)
        abstained += result.abstained
    stages = _stage_times(service, qs[:100])
    rss, peak = current_rss_mib(), peak_rss_mib()
    from rag.lexical import LexicalIndex

    with Timer() as rebuild_t:  # what a client does after a write: re-read, re-tokenise
        LexicalIndex.build("bench", service.corpus.store.iter_all())
    return {
        "documents": n,
        "vectors": "derived" if derived else "real",
        "passages": service.corpus.store.count(),
        "questions": len(qs),
        "abstained": abstained,
        "open_and_warm_s": round(open_t.seconds, 2),
        "retrieve_ms": percentiles(retrieve_ms),
        "answer_ms": percentiles(answer_ms),
        "stages_ms": stages,
        "rss_mib": round(rss, 0),
        "peak_rss_mib": round(peak, 0),
        "lexical_rebuild_s": round(rebuild_t.seconds, 1),
        "disk_mib": {
            "total": round(du_mib(folder), 1),
            "chroma": round(du_mib(folder / "chroma"), 1),
            "lexical": round(du_mib(folder / "lexical"), 1),
        },
        "load_before": None,
        "load_after": load(),
    }


def _fmt(p: dict[str, float]) -> str:
    return f"p50 {p['p50']:.1f} / p95 {p['p95']:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--derived",
        type=int,
        nargs="*",
        default=[],
        metavar="N",
        help="sizes to build with vectors derived from the 10k index instead of embedded",
    )
    parser.add_argument("--measure-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure_one:
        derived = args.measure_one in args.derived
        print(json.dumps(measure(args.measure_one, args.questions, derived)))
        return 0
    print(f"machine: {machine()}; load {load()}", flush=True)
    runs = [(n, False) for n in args.sizes] + [(n, True) for n in args.derived]
    for n, derived in runs:
        record = build(n, derived)
        print(f"index {n}: {json.dumps(record)}", flush=True)
    if args.build_only:
        return 0
    for n, derived in runs:
        before = load()
        extra = ["--derived", str(n)] if derived else []
        out = subprocess.run(
            [*MEASURE, str(n), "--questions", str(args.questions), *extra],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["load_before"] = before
        print(
            f"{result['passages']:>7} passages ({result['vectors']} vectors): "
            f"retrieve {_fmt(result['retrieve_ms'])} ms, "
            f"answer {_fmt(result['answer_ms'])} ms, peak RSS {result['peak_rss_mib']:.0f} MiB, "
            f"disk {result['disk_mib']['total']:.0f} MiB, "
            f"lexical rebuild {result.get('lexical_rebuild_s')} s, "
            f"abstained {result['abstained']}/{result['questions']}, "
            f"load {before} -> {result['load_after']}",
            flush=True,
        )
        for stage, p in result["stages_ms"].items():
            print(f"          {stage:<12} {_fmt(p)} ms", flush=True)
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
