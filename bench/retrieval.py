"""Retrieval quality side by side: the service's ranking against naive baselines, per set.

    .venv/bin/python -m bench.retrieval                       # seeds, SQuAD half-set, RealTimeQA
    .venv/bin/python -m bench.retrieval --sets rtqa --variant rrf:fusion=rrf
    .venv/bin/python -m bench.retrieval --set embedding_precision=float32   # indexes of their own

One process, one index per set, the same query vectors for every ranker:

- ``dense``: Chroma's nearest chunks;
- ``bm25``: BM25 alone;
- ``rrf``: plain reciprocal-rank fusion (k = 60) of the two top-``candidates`` lists;
- ``service``: ``rag.retrieve.retrieve`` with the settings in force (defaults);
- each ``--variant NAME:key=value,...``: the service's ranking with those settings changed.

Sets (answerable questions only; gold = the question's ``sources``):

- ``seeds``: ``tests/eval/seeds.jsonl`` over ``seeds/`` (follow-up questions left out);
- ``squad``: the SQuAD 2.0 dev half, indexed one paragraph per document as bench/squad.py does;
- ``rtqa``: RealTimeQA dev questions over a copy of the shared RealTimeQA index
  (``--rtqa-index``; copied once into the cache, never written).
- ``rtqa-dated``: the same questions, each asked as of its quiz date (``bench/realtimeqa.py``),
  so "this week" counts back from that date;

Prints hit@1/5/10 and MRR@10 per set and ranker, and writes them as JSON with ``--json``.
Beside them, ``answer@1``: the first page is the gold page *or* its text holds one of the
question's expected answers. News pools repeat a story across pages (wire copies, follow-ups),
and the reader only needs a page that states the answer; a short answer ("two") can also
occur by chance on an unrelated page, so this figure is an upper bound, never the target.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import CACHE, REPO, bench_settings, load, machine

SEEDS_QUESTIONS = REPO / "tests" / "eval" / "seeds.jsonl"
RTQA = Path("/work/shared/datasets/realtimeqa")
RTQA_INDEX = Path("/work/cache/rtqa-base")
KS = (1, 5, 10)
RRF_K = 60

# (corpus, settings, question, vector, as-of date); the baselines ignore the date
Ranker = Callable[[Any, Any, str, Any, str | None], list[str]]


@dataclass(frozen=True)
class Question:
    """One answerable question: its text, gold documents, expected answers and as-of date."""

    text: str
    gold: tuple[str, ...]
    answers: tuple[str, ...]
    as_of: str | None


def dense_only(
    corpus: Any, settings: Any, question: str, vector: Any, as_of: str | None = None
) -> list[str]:
    """Chunk ids by cosine similarity alone."""
    return [cid for cid, _ in corpus.store.query(vector, max(KS))]


def bm25_only(
    corpus: Any, settings: Any, question: str, vector: Any, as_of: str | None = None
) -> list[str]:
    """Chunk ids by BM25 alone."""
    return [cid for cid, _ in corpus.lexical.search(question, max(KS))]


def plain_rrf(
    corpus: Any, settings: Any, question: str, vector: Any, as_of: str | None = None
) -> list[str]:
    """Textbook RRF: 1 / (k + rank) summed over the two top-``candidates`` lists."""
    n = settings.candidates
    scores: dict[str, float] = {}
    for ranking in (
        [cid for cid, _ in corpus.store.query(vector, n)],
        [cid for cid, _ in corpus.lexical.search(question, n)],
    ):
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores, key=lambda cid: -scores[cid])[: max(KS)]


def service_ranking(
    corpus: Any, settings: Any, question: str, vector: Any, as_of: str | None = None
) -> list[str]:
    """The service's own ranking under ``settings`` (relative times as of ``as_of``)."""
    from rag.retrieve import Filters, retrieve

    filters = Filters(as_of=as_of)
    passages = retrieve(corpus, question, settings, max(KS), filters, query_vector=vector)
    return [p.chunk.chunk_id for p in passages]


# Sets --------------------------------------------------------------------------------------
def _answerable(cases: list[Any]) -> list[Question]:
    return [
        Question(c.question, c.sources, c.answers, c.as_of)
        for c in cases
        if c.answerable and c.sources and not c.history
    ]


def seeds_set(cache: Path) -> tuple[Path, list[Question], list[Path]]:
    from rag.evaluate.dataset import load_dataset

    return cache / "retrieval-seeds", _answerable(load_dataset(SEEDS_QUESTIONS)), [REPO / "seeds"]


def squad_set(cache: Path) -> tuple[Path, list[Question], list[Path]]:
    from bench.squad import DEFAULT_DATA, read_squad, write_corpus

    documents, cases, digest = read_squad(DEFAULT_DATA)
    corpus = write_corpus(documents, cache / f"squad-corpus-{digest}.jsonl")
    return cache / f"retrieval-squad-{digest}", _answerable(cases), [corpus]


def rtqa_set(
    cache: Path, source_index: Path, pages: Path | None = None, dated: bool = False
) -> tuple[Path, list, list[Path]]:
    """RealTimeQA dev; ``dated``: each question asked as of its quiz date (bench.realtimeqa)."""
    from bench.realtimeqa import write_testset
    from rag.evaluate.dataset import load_dataset

    testset = write_testset(RTQA / "questions.jsonl", cache) if dated else RTQA / "questions.jsonl"
    if pages is not None:  # index these RealTimeQA pages (a JSONL pool) instead of a copy
        digest = hashlib.sha256(pages.read_bytes()).hexdigest()[:10]
        questions = _answerable(load_dataset(testset))
        return cache / f"retrieval-rtqa-{digest}", questions, [pages]
    target = cache / "retrieval-rtqa"
    marker = target / ".copied"
    if not marker.exists() or marker.read_text() != str(source_index):
        if not (source_index.parent / f"{source_index.name}.DONE").exists():
            raise SystemExit(f"{source_index} is not built yet (no {source_index.name}.DONE)")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source_index, target)
        marker.write_text(str(source_index))
    return target, _answerable(load_dataset(testset)), []


# Scoring -----------------------------------------------------------------------------------
def score(
    ranked_docs: list[list[str]], questions: list[Question], texts: dict[str, str]
) -> dict[str, float]:
    """hit@k and MRR@10 over questions (doc-level: the first passage of a gold document),
    and answer@1 (the first page is gold or holds an expected answer)."""
    from rag.evaluate.metrics import contains_answer, gold_rank, hit_at, reciprocal_rank

    ranks = [gold_rank(docs, q.gold) for docs, q in zip(ranked_docs, questions, strict=True)]
    n = len(ranks) or 1
    out = {f"hit@{k}": round(sum(hit_at(r, k) for r in ranks) / n, 3) for k in KS}
    out["mrr"] = round(sum(reciprocal_rank(r) for r in ranks) / n, 3)
    answered = sum(
        rank == 1 or bool(docs and contains_answer(texts.get(docs[0], ""), q.answers))
        for docs, q, rank in zip(ranked_docs, questions, ranks, strict=True)
    )
    out["answer@1"] = round(answered / n, 3)
    return out


def page_texts(corpus: Any) -> dict[str, str]:
    """Each indexed document's title and passages as one text, for answer@1."""
    parts: dict[str, list[str]] = {}
    for stored in corpus.store.iter_all():
        chunk = stored.chunk
        parts.setdefault(chunk.doc_id, [chunk.title]).append(chunk.text)
    return {doc_id: "\n".join(texts) for doc_id, texts in parts.items()}


def run_set(
    name: str,
    index_dir: Path,
    questions: list[Question],
    corpus_paths: list[Path],
    variants: dict[str, dict[str, str]],
    base_overrides: dict[str, Any],
    baselines: bool = True,
) -> dict[str, Any]:
    from rag.facade import RagService

    settings = bench_settings(index_dir, **base_overrides)
    service = RagService(settings)
    if corpus_paths:
        report = service.index(corpus_paths)
        print(f"  {name}: {report.summary()}", file=sys.stderr, flush=True)
    corpus = service.corpus
    started = time.perf_counter()
    vectors = service.embedder.embed([q.text for q in questions])
    rankers: dict[str, tuple[Ranker, Any]] = {}
    if baselines:
        rankers.update(
            dense=(dense_only, settings), bm25=(bm25_only, settings), rrf=(plain_rrf, settings)
        )
    rankers["service"] = (service_ranking, settings)
    for label, overrides in variants.items():
        rankers[label] = (service_ranking, bench_settings(index_dir, **base_overrides, **overrides))
    texts = page_texts(corpus)
    results: dict[str, Any] = {}
    for label, (ranker, ranker_settings) in rankers.items():
        ranked = []
        for question, vector in zip(questions, vectors, strict=True):
            chunk_ids = ranker(corpus, ranker_settings, question.text, vector, question.as_of)
            ranked.append([cid.rsplit("::", 1)[0] for cid in chunk_ids])
        results[label] = score(ranked, questions, texts)
    return {
        "set": name,
        "questions": len(questions),
        "passages": corpus.store.count(),
        "seconds": round(time.perf_counter() - started, 1),
        "rankers": results,
    }


def _settings_tag(overrides: dict[str, Any]) -> str:
    """A short name for the settings given with --set ("" when none), for index folders."""
    shaping = {k: v for k, v in sorted(overrides.items()) if k != "embedding_threads"}
    if not shaping:
        return ""
    return hashlib.sha256(json.dumps(shaping).encode()).hexdigest()[:8]


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``NAME:key=value,key=value`` -> (NAME, overrides)."""
    name, _, pairs = text.partition(":")
    overrides = {}
    for pair in filter(None, pairs.split(",")):
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--variant {text!r}: write NAME:key=value,key=value")
        overrides[key.strip()] = value.strip()
    return name.strip(), overrides


def table(runs: list[dict[str, Any]]) -> str:
    """A Markdown table: one row per ranker, hit@1 / hit@5 / hit@10 / MRR (answer@1) per
    set."""
    labels = list(dict.fromkeys(label for run in runs for label in run["rankers"]))
    head = "| ranker | " + " | ".join(f"{r['set']} ({r['questions']} q)" for r in runs) + " |"
    rows = [head, "|---|" + "---|" * len(runs)]
    for label in labels:
        cells = []
        for run in runs:
            m = run["rankers"].get(label)
            cells.append(
                f"{m['hit@1']:.3f} / {m['hit@5']:.3f} / {m['hit@10']:.3f} / {m['mrr']:.3f}"
                f" ({m['answer@1']:.3f})"
                if m
                else "-"
            )
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["seeds", "squad", "rtqa"])
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:k=v,...")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--rtqa-index", type=Path, default=RTQA_INDEX)
    parser.add_argument("--json", dest="json_out", type=Path)
    parser.add_argument(
        "--rtqa-pages", type=Path, help="index this JSONL of RealTimeQA pages for the rtqa set"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for every index and ranker (indexes are kept per such settings)",
    )
    parser.add_argument(
        "--no-baselines", action="store_true", help="only the service and the variants"
    )
    args = parser.parse_args(argv)
    variants = dict(parse_variant(v) for v in args.variant)
    # One query at a time: one torch thread (bench/squad.py says why).
    from bench.squad import parse_overrides
    from rag.errors import InputError

    try:
        overrides = parse_overrides(args.overrides)
    except InputError as exc:
        raise SystemExit(f"error: {exc}") from None
    base: dict[str, Any] = {"embedding_threads": 1, **overrides}
    tag = _settings_tag(base)
    print(f"machine: {machine()}; load {load()}", file=sys.stderr, flush=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    runs = []
    for name in args.sets:
        if name == "seeds":
            index_dir, questions, paths = seeds_set(args.cache)
        elif name == "squad":
            index_dir, questions, paths = squad_set(args.cache)
        elif name in ("rtqa", "rtqa-dated"):
            index_dir, questions, paths = rtqa_set(
                args.cache, args.rtqa_index, args.rtqa_pages, dated=name == "rtqa-dated"
            )
        else:
            raise SystemExit(f"unknown set {name!r}: seeds, squad, rtqa or rtqa-dated")
        if paths and tag:  # an index built here is kept per index-shaping settings
            index_dir = index_dir.with_name(f"{index_dir.name}-{tag}")
        run = run_set(name, index_dir, questions, paths, variants, base, not args.no_baselines)
        runs.append(run)
        print(f"  {name}: {json.dumps(run)}", file=sys.stderr, flush=True)
    print("hit@1 / hit@5 / hit@10 / MRR@10 (answer@1: the first page gold or holding the answer)")
    print(table(runs))
    print(f"load {load()}", file=sys.stderr)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
