"""Ingest throughput: the full ``rag index`` path against a bare encode of the same texts.

    .venv/bin/python -m bench.ingest --docs 7600
    .venv/bin/python -m bench.ingest --pages ../shared/datasets/realtimeqa/articles.jsonl --docs 300

Writes ``--docs`` AG News items (variants past 7,600) as JSONL into a temp folder, reads and
chunks them once to get the exact texts the indexer embeds (``embedding_text(chunk)``:
title, newline, text), then in one process with one loaded model runs

1. bare ``SentenceTransformer.encode`` of those texts (the floor: nothing but the model),
2. the full path, ``RagService.index`` on a fresh index (read, clean, chunk, embed, write
   Chroma, rebuild BM25 and the catalogue),
3. the bare encode again,

and prints both rates, the ratio full / mean(bare), and CPU seconds of each, which depend
less on what else the machine is doing than wall time does.

With ``--pages FILE`` the first ``--docs`` records of a JSONL of real pages are indexed
instead, twice in each runtime and number format of ``FORMATS`` (torch in float32: before;
OpenVINO in bfloat16: the default now), each run beside a bare encode by the same runtime:
before, after, the ratio, and each full rate over torch float32's bare encode.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.common import bench_settings, load, machine, write_corpus


def chunk_texts(folder: Path, service) -> list[str]:
    """The texts the indexer embeds for every document under ``folder``."""
    from rag.chunk import chunk_document, embedding_text
    from rag.corpus import chunk_tokens
    from rag.ingest import iter_documents
    from rag.types import Document

    settings = service.settings
    embedder = service.embedder
    budget = chunk_tokens(settings, embedder)
    texts: list[str] = []
    for item in iter_documents([folder], settings.max_file_bytes):
        if isinstance(item, Document):
            chunks = chunk_document(
                item, embedder.count_tokens, budget, settings.chunk_overlap_tokens
            )
            texts.extend(embedding_text(c) for c in chunks)
    return texts


def _timed(fn) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run(n: int, batch_size: int | None) -> dict:
    from rag.facade import RagService

    overrides = {"embedding_batch_size": batch_size} if batch_size else {}
    with tempfile.TemporaryDirectory(prefix="rag-bench-ingest-") as tmp:
        docs = write_corpus(Path(tmp) / "docs", n)
        service = RagService(bench_settings(Path(tmp) / "warm", **overrides))
        model = service.embedder.model
        service.embedder.embed(["warm up"] * 64)
        prep_s, prep_cpu, texts = _timed(lambda: chunk_texts(docs, service))
        size = service.settings.embedding_batch_size

        def bare():
            return model.encode(
                texts, batch_size=size, normalize_embeddings=True, show_progress_bar=False
            )

        rows = []
        loads = [load()]
        for step in ("bare", "full", "bare"):
            if step == "bare":
                wall, cpu, _ = _timed(bare)
            else:
                full = RagService(
                    bench_settings(Path(tmp) / "index", **overrides), embedder=service.embedder
                )
                wall, cpu, report = _timed(lambda svc=full: svc.index([docs]))
                assert report.chunks_written == len(texts), (report.chunks_written, len(texts))
            rows.append((step, wall, cpu))
            loads.append(load())
    bare_rate = sum(len(texts) / w for s, w, _ in rows if s == "bare") / 2
    full_rate = len(texts) / rows[1][1]
    bare_cpu = sum(c for s, _, c in rows if s == "bare") / 2
    return {
        "documents": n,
        "chunks": len(texts),
        "batch_size": size,
        "read_clean_chunk_s": round(prep_s, 2),
        "read_clean_chunk_cpu_s": round(prep_cpu, 2),
        "bare_rate": round(bare_rate, 1),
        "full_rate": round(full_rate, 1),
        "ratio": round(full_rate / bare_rate, 3),
        "bare_cpu_s": round(bare_cpu, 1),
        "full_cpu_s": round(rows[1][2], 1),
        "runs": [(s, round(w, 1), round(c, 1)) for s, w, c in rows],
        "loads": loads,
    }


# (label, embedding_backend, embedding_precision): before (the code as the issue measured
# it), session 3's bfloat16 weights under torch, and the default now.
FORMATS = (
    ("torch-float32", "torch", "float32"),
    ("torch-bfloat16", "torch", "bfloat16"),
    ("openvino-bfloat16", "openvino", "bfloat16"),
)
BEFORE, AFTER = FORMATS[0][0], FORMATS[-1][0]
ROUNDS = 2


def run_precisions(pages: Path, n: int) -> dict:
    """Before/after on real pages, one process: the full ``rag index`` path in each of
    ``FORMATS`` (torch in float32 before; OpenVINO in bfloat16 after), each beside a bare
    encode of the same chunk texts by the same runtime, rounds interleaved; rates in passages
    per wall second and per CPU second."""
    from rag.embed import Embedder
    from rag.facade import RagService

    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="rag-bench-precision-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        with open(pages, encoding="utf-8") as src:
            head = [line for _, line in zip(range(n), src, strict=False)]
        (docs / "pages.jsonl").write_text("".join(head), encoding="utf-8")
        # A first run warms the process (allocator, caches, page cache) and is not counted:
        # in one measurement the first float32 run took 52 s and the second 34 s.
        runs = [(-1, FORMATS[0])] + [(r, fmt) for r in range(ROUNDS) for fmt in FORMATS]
        for run_number, (round_number, (label, backend, precision)) in enumerate(runs):
            index_dir = Path(tmp) / f"index-{run_number}"
            settings = bench_settings(
                index_dir, embedding_precision=precision, embedding_backend=backend
            )
            embedder = Embedder(
                settings.embedding_model, settings.embedding_batch_size, 0, precision, backend
            )
            service = RagService(settings, embedder=embedder)
            embedder.embed(["warm up"] * 64)
            texts = chunk_texts(docs, service)
            bare_wall, bare_cpu, _ = _timed(lambda e=embedder, t=texts: e.embed(t))
            full_wall, full_cpu, report = _timed(lambda svc=service: svc.index([docs]))
            if round_number < 0:
                continue
            row = rows.setdefault(label, {"passages": len(texts), "runs": []})
            row["runs"].append(
                (
                    round(bare_wall, 1),
                    round(bare_cpu, 1),
                    round(full_wall, 1),
                    round(full_cpu, 1),
                    report.chunks_written,
                )
            )
    out: dict = {"pages": len(head), "loads": load()}
    for label, row in rows.items():
        m = row["passages"]
        bare = sum(r[0] for r in row["runs"]) / len(row["runs"])
        full = sum(r[2] for r in row["runs"]) / len(row["runs"])
        full_cpu = sum(r[3] for r in row["runs"]) / len(row["runs"])
        out[label] = {
            "passages": m,
            "bare_per_s": round(m / bare, 1),
            "full_per_s": round(m / full, 1),
            "full_per_cpu_s": round(m / full_cpu, 1),
            "full_over_bare": round(bare / full, 3),
            "runs (bare wall, bare cpu, full wall, full cpu, written)": row["runs"],
        }
    before_bare = out[BEFORE]["bare_per_s"]
    for label, _, _ in FORMATS:
        out[label]["full_over_float32_bare"] = round(out[label]["full_per_s"] / before_bare, 2)
    out["after_over_before"] = round(out[AFTER]["full_per_s"] / out[BEFORE]["full_per_s"], 2)
    out["after_over_before_cpu"] = round(
        out[AFTER]["full_per_cpu_s"] / out[BEFORE]["full_per_cpu_s"], 2
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[7600])
    parser.add_argument("--batch-size", type=int, help="embedding batch size (default: setting)")
    parser.add_argument(
        "--pages", type=Path, help="a JSONL of real pages: compare the runtimes and formats on them"
    )
    args = parser.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    if args.pages:
        for n in args.docs:
            print(json.dumps(run_precisions(args.pages, n), indent=1), flush=True)
        return 0
    for n in args.docs:
        r = run(n, args.batch_size)
        print(
            f"{r['documents']} docs / {r['chunks']} chunks (batch {r['batch_size']}): "
            f"full {r['full_rate']} chunks/s, bare encode {r['bare_rate']} chunks/s, "
            f"ratio {r['ratio']:.2f}; CPU s full {r['full_cpu_s']} vs bare {r['bare_cpu_s']}; "
            f"read+clean+chunk alone {r['read_clean_chunk_s']} s; "
            f"runs (step, wall s, cpu s) {r['runs']}; load {' -> '.join(r['loads'])}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
