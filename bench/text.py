"""Speed of the text steps that run on every passage: terms (BM25 tokens), the BM25 build,
and sentence splitting.

    .venv/bin/python bench/text.py                      # seeds + 500 RealTimeQA pages
    .venv/bin/python bench/text.py --pages 3340 --repeat 3

Pages are cut into passages of about ``--passage-chars`` (whole lines joined), close to what
the chunker makes, so the BM25 build sees a realistic number of documents. The data is read
where it lies; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench.common import REPO

RTQA = Path(os.environ.get("RAG_BENCH_RTQA", "/work/shared/datasets/realtimeqa/articles.jsonl"))


def read_texts(pages: int) -> list[str]:
    """The seed articles, then the first ``pages`` RealTimeQA pages (title + text)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    if pages and RTQA.exists():
        with open(RTQA, encoding="utf-8") as fh:
            for line, _ in zip(fh, range(pages), strict=False):
                page = json.loads(line)
                texts.append(f"{page.get('title', '')}\n{page['text']}")
    return texts


def passages(texts: list[str], size: int) -> list[str]:
    """Whole lines joined up to about ``size`` characters."""
    out: list[str] = []
    for text in texts:
        current = ""
        for line in text.split("\n"):
            current = f"{current}\n{line}" if current else line
            if len(current) >= size:
                out.append(current)
                current = ""
        if current.strip():
            out.append(current)
    return out


def best_of(repeat: int, fn) -> tuple[float, object]:
    """Fastest wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/text.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500, help="RealTimeQA pages (default 500)")
    parser.add_argument("--passage-chars", type=int, default=800, help="passage size")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args(argv)

    import bm25s

    from rag.sentences import split_sentences
    from rag.terms import terms

    texts = passages(read_texts(args.pages), args.passage_chars)
    chars = sum(len(t) for t in texts)
    terms(texts[0])  # load the stemmer and stop words outside the timing
    t_terms, tokens = best_of(args.repeat, lambda: [terms(t) for t in texts])
    n_terms = sum(len(t) for t in tokens)

    def build() -> None:
        bm25s.BM25().index(tokens, show_progress=False)

    t_bm25, _ = best_of(args.repeat, build)
    t_split, spans = best_of(args.repeat, lambda: [split_sentences(t) for t in texts])
    n_sentences = sum(len(s) for s in spans)
    print(
        json.dumps(
            {
                "passages": len(texts),
                "chars": chars,
                "terms": n_terms,
                "vocabulary": len({t for ts in tokens for t in ts}),
                "terms_s": round(t_terms, 3),
                "passages_per_s_terms": round(len(texts) / t_terms),
                "mb_per_s_terms": round(chars / t_terms / 1e6, 2),
                "bm25_build_s": round(t_bm25, 3),
                "sentences": n_sentences,
                "sentences_per_s": round(n_sentences / t_split),
                "load_1min": round(os.getloadavg()[0], 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
