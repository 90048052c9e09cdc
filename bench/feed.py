"""A whole-archive feed: memory while reading a 1 GB JSONL, and the full index path on a slice.

    .venv/bin/python -m bench.feed --gb 1 --index-mb 5

Writes (once) a JSONL feed of ``--gb`` gigabytes into ``--dir`` (default /tmp, never the
repository): page-sized records of 24 AG News items each, repeated as variants past the
7,600 items (bench/common.py), so every record is distinct. Then, each in its own process so
that each peak is its own:

1. **read**: every record read, cleaned and chunked with the real tokenizer (what the
   indexer does before embedding), with the resident set sampled every 5% of the bytes;
2. **index**: ``RagService.index`` of the first ``--index-mb`` megabytes (a prefix cut at a
   record boundary) into a fresh index: read, chunk, embed with the real model, write Chroma,
   build BM25; RSS sampled at every progress report.

Prints one JSON line per phase: bytes, documents, passages, seconds, rate, RSS after the
model loaded, RSS samples and the peak (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import _variant, ag_news_items, bench_settings, current_rss_mib, load, machine
from bench.common import peak_rss_mib as peak_mib

ITEMS_PER_RECORD = 24
SAMPLES = 20


def write_feed(path: Path, target_bytes: int) -> Path:
    """A JSONL feed of about ``target_bytes``: distinct page-sized records (kept if present)."""
    if path.exists() and path.stat().st_size >= target_bytes:
        return path
    items = ag_news_items()
    tmp = path.with_suffix(".part")
    written = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        k = 0
        while written < target_bytes:
            v, start = divmod(k * ITEMS_PER_RECORD, len(items))
            group = [items[(start + j) % len(items)] for j in range(ITEMS_PER_RECORD)]
            record = {
                "id": f"feed-{k:07d}",
                "title": group[0][1],
                "text": "\n\n".join(_variant(f"{t}. {d}", v) for _, t, d in group),
                "date": f"20{10 + v % 15:02d}-{1 + k % 12:02d}-{1 + k % 28:02d}",
            }
            line = json.dumps(record, ensure_ascii=False) + "\n"
            fh.write(line)
            written += len(line.encode("utf-8"))
            k += 1
    tmp.replace(path)
    return path


def prefix(path: Path, size: int, target: Path) -> Path:
    """The first ``size`` bytes of a JSONL file, cut at a line end."""
    with open(path, "rb") as src, open(target, "wb") as dst:
        data = src.read(size)
        dst.write(data[: data.rfind(b"\n") + 1])
    return target


def word_tokens(texts: list[str]) -> list[int]:
    """A cheap stand-in for the model tokenizer: 4 tokens per 3 words (MiniLM's mean on news)."""
    return [len(t.split()) * 4 // 3 for t in texts]


def phase_read(feed: Path, cheap_tokens: bool = False) -> dict:
    from rag.chunk import chunk_document
    from rag.corpus import chunk_tokens
    from rag.facade import RagService
    from rag.ingest import ReadProgress, iter_documents
    from rag.types import Document

    with tempfile.TemporaryDirectory() as tmp:
        service = RagService(bench_settings(Path(tmp)))
        embedder = service.embedder
        embedder.count_tokens(["warm up"])
        budget = chunk_tokens(service.settings, embedder)
    rss_model = current_rss_mib()
    count = word_tokens if cheap_tokens else embedder.count_tokens
    reading = ReadProgress()
    docs = chunks = 0
    samples: list[tuple[float, float]] = []
    next_sample = 0.0
    started = time.perf_counter()
    for item in iter_documents([feed], service.settings.max_file_bytes, reading):
        if isinstance(item, Document):
            docs += 1
            chunks += len(
                chunk_document(item, count, budget, service.settings.chunk_overlap_tokens)
            )
        share = reading.bytes_read / reading.bytes_total
        if share >= next_sample:
            samples.append((round(share, 2), round(current_rss_mib())))
            next_sample += 1 / SAMPLES
            elapsed = time.perf_counter() - started
            print(
                f"  read {share:.0%}: {docs} documents, {chunks} passages, "
                f"RSS {samples[-1][1]} MiB, {elapsed:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    seconds = time.perf_counter() - started
    return {
        "phase": "read+clean+chunk" + (" (word-count tokens)" if cheap_tokens else ""),
        "bytes": reading.bytes_total,
        "documents": docs,
        "passages": chunks,
        "seconds": round(seconds, 1),
        "mb_per_s": round(reading.bytes_total / 1e6 / seconds, 2),
        "rss_after_model_mib": round(rss_model),
        "rss_samples_mib": samples,
        "peak_rss_mib": round(peak_mib()),
    }


def phase_index(feed: Path) -> dict:
    from rag.facade import RagService

    with tempfile.TemporaryDirectory() as tmp:
        service = RagService(bench_settings(Path(tmp) / "index"))
        service.embedder.embed(["warm up"])
        rss_model = current_rss_mib()
        samples: list[tuple[float, float]] = []

        def progress(state) -> None:
            if not samples or state.fraction >= samples[-1][0] + 1 / SAMPLES or state.done:
                samples.append((round(state.fraction, 2), round(current_rss_mib())))

        started = time.perf_counter()
        report = service.index([feed], progress=progress)
        seconds = time.perf_counter() - started
    return {
        "phase": "rag index (full path)",
        "bytes": feed.stat().st_size,
        "documents": len(report.added),
        "passages": report.chunks_written,
        "seconds": round(seconds, 1),
        "passages_per_s": round(report.chunks_written / seconds, 1),
        "rss_after_model_mib": round(rss_model),
        "rss_samples_mib": samples,
        "peak_rss_mib": round(peak_mib()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=1.0, help="feed size in GB (default 1)")
    parser.add_argument("--index-mb", type=float, default=5.0, help="prefix for the full path")
    parser.add_argument("--dir", type=Path, default=Path("/tmp"), help="where the feed goes")
    parser.add_argument("--skip", choices=("read", "index"), action="append", default=[])
    parser.add_argument(
        "--word-tokens",
        action="store_true",
        help="read phase: count tokens by words instead of the model tokenizer (5x faster)",
    )
    parser.add_argument("--phase", choices=("read", "index"), help=argparse.SUPPRESS)
    parser.add_argument("feed", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:  # the child process of one phase
        if args.phase == "read":
            result = phase_read(args.feed, args.word_tokens)
        else:
            result = phase_index(args.feed)
        print(json.dumps(result), flush=True)
        return 0
    print(f"machine: {machine()}; load {load()}", flush=True)
    feed = write_feed(args.dir / f"rag-feed-{args.gb:g}gb.jsonl", int(args.gb * 1e9))
    print(f"feed: {feed} ({feed.stat().st_size / 1e9:.2f} GB)", flush=True)
    small = prefix(feed, int(args.index_mb * 1e6), args.dir / f"rag-feed-{args.index_mb:g}mb.jsonl")
    for phase, path in (("read", feed), ("index", small)):
        if phase in args.skip:
            continue
        cmd = [sys.executable, "-m", "bench.feed", "--phase", phase, str(path)]
        cmd += ["--word-tokens"] if args.word_tokens and phase == "read" else []
        out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result["load_after"] = load()
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
