"""SQuAD 2.0 as a retrieval, answer and refusal benchmark for the whole pipeline.

Every paragraph of the SQuAD file becomes one document (id ``AA-PPP``: article and
paragraph number; title: the article's title), so a question's gold source is its own
paragraph among hundreds of others from the same articles. Answerable questions expect one
of the SQuAD answer spans, cited from that paragraph; unanswerable ones expect a refusal.

    .venv/bin/python bench/squad.py --questions answerable --sample 1000 --seed 0
    .venv/bin/python bench/squad.py --json bench/out/squad.json --report bench/out/squad.md
    .venv/bin/python bench/squad.py --sample 500 --set min_support=0.4 --set dense_weight=0.5
    .venv/bin/python bench/squad.py --retrieval-only --set lexical_weight=2

The data is read where it lies (``--data``, default the shared copy; never copy it into the
repository). The corpus, the test set and the index are cached in ``bench/.cache/`` (git
ignored); the index is reused while the data, embedding model and chunking are unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

from rag.errors import InputError, RagError
from rag.evaluate.dataset import Case, write_dataset
from rag.evaluate.metrics import HIT_KS, MRR_K, gold_rank, hit_at, reciprocal_rank
from rag.evaluate.progress import progress_bar

DEFAULT_DATA = Path(
    os.environ.get("RAG_SQUAD_PATH", "/work/shared/datasets/squad-v2/dev-v2.0-cs224n-half.json")
)
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"
BENCH_THREADS = 1
_WH = re.compile(r"\b(how (?:many|much)|how|who|whom|whose|when|where|which|why|what)\b", re.I)


def question_type(question: str, answerable: bool) -> str:
    """ "unanswerable", or the question's first wh-word ("how many", "who", ... "other")."""
    if not answerable:
        return "unanswerable"
    match = _WH.search(question)
    if not match:
        return "other"
    word = match.group(1).lower()
    if word.startswith("how "):
        return "how many/much"
    return "who" if word in ("whom", "whose") else word


def read_squad(path: Path) -> tuple[list[dict[str, str]], list[Case], str]:
    """(documents, cases, short sha256 of the file) from a SQuAD 2.0 JSON file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"SQuAD file {path} cannot be read ({exc.strerror}): pass --data"
        ) from None
    data = json.loads(raw)
    documents: list[dict[str, str]] = []
    cases: list[Case] = []
    for a, article in enumerate(data["data"]):
        title = article["title"].replace("_", " ")
        for p, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{a:02d}-{p:03d}"
            documents.append({"id": doc_id, "title": title, "text": paragraph["context"]})
            for qa in paragraph["qas"]:
                answerable = not qa.get("is_impossible", False)
                answers = tuple(dict.fromkeys(x["text"].strip() for x in qa["answers"]))
                cases.append(
                    Case(
                        id=qa["id"],
                        question=" ".join(qa["question"].split()),
                        answers=answers if answerable else (),
                        sources=(doc_id,),
                        answerable=answerable,
                        type=question_type(qa["question"], answerable),
                    )
                )
    return documents, cases, hashlib.sha256(raw).hexdigest()[:12]


def select(cases: list[Case], questions: str, sample: int, seed: int) -> list[Case]:
    """The ``questions`` kind, then ``sample`` of them at random (0: all), in file order."""
    pool = [c for c in cases if questions == "all" or (c.answerable == (questions == "answerable"))]
    if 0 < sample < len(pool):
        chosen = set(random.Random(seed).sample(range(len(pool)), sample))
        pool = [c for i, c in enumerate(pool) if i in chosen]
    return pool


def select_stratified(
    cases: list[Case], answerable: int, unanswerable: int, seed: int
) -> list[Case]:
    """``answerable`` + ``unanswerable`` random questions, in a seeded random order (so a run
    cut short still scores a random sample of both kinds)."""
    rng = random.Random(seed)
    pools = [[c for c in cases if c.answerable], [c for c in cases if not c.answerable]]
    chosen = [
        *rng.sample(pools[0], min(answerable, len(pools[0]))),
        *rng.sample(pools[1], min(unanswerable, len(pools[1]))),
    ]
    rng.shuffle(chosen)
    return chosen


def write_corpus(documents: list[dict[str, str]], path: Path) -> Path:
    """One JSONL document per paragraph (rewritten only when it changed)."""
    text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``key=value`` pairs as settings overrides (validated by the settings model)."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set {pair!r}: write it as name=value, e.g. min_support=0.4")
        overrides[key.strip()] = value.strip()
    return overrides


def retrieval_only(service: Any, cases: list[Case], k: int, progress: bool) -> dict[str, Any]:
    """hit@k and MRR without answering (fast, for sweeping retrieval settings)."""
    bar = progress_bar(len(cases), "retrieve") if progress else None
    ranks = []
    started = time.perf_counter()
    for case in cases:
        passages = service.retrieve(case.question, top_k=k)
        ranks.append(gold_rank([p.chunk.doc_id for p in passages], case.sources))
        if bar:
            bar.update()
    if bar:
        bar.close()
    n = len(ranks) or 1
    metrics: dict[str, Any] = {"questions": len(ranks)}
    metrics.update({f"hit@{k}": round(sum(hit_at(r, k) for r in ranks) / n, 4) for k in HIT_KS})
    metrics[f"mrr@{MRR_K}"] = round(sum(reciprocal_rank(r) for r in ranks) / n, 4)
    metrics["ms_per_question"] = round(1000 * (time.perf_counter() - started) / n, 1)
    return metrics


def git_version() -> str | None:
    """The checked-out commit, with "+dirty" when tracked files changed; None without git."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return f"{commit}{'+dirty' if dirty else ''}" if commit else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/squad.py", description=__doc__.split("\n\n")[0].strip()
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SQuAD 2.0 JSON file")
    parser.add_argument(
        "--questions",
        choices=("all", "answerable", "unanswerable"),
        default="all",
        help="which questions to ask (default all)",
    )
    parser.add_argument("--sample", type=int, default=0, help="ask N random questions (0: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument(
        "--stratified",
        metavar="A,U",
        help="ask A random answerable and U random unanswerable questions, shuffled (seeded)",
    )
    parser.add_argument(
        "--slice",
        metavar="START:END",
        help="ask only this slice of the chosen questions (run a long sample in parts; "
        "bench/merge_runs.py scores the parts together)",
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache folder")
    parser.add_argument("--config", type=Path, help="TOML config file (default: ./rag.toml)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting, e.g. --set min_support=0.4 (repeatable)",
    )
    parser.add_argument("--retrieval-only", action="store_true", help="skip answering")
    parser.add_argument("--json", dest="json_out", type=Path, help="write the run as JSON")
    parser.add_argument("--report", type=Path, help="write a Markdown report with charts")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from rag.evaluate.report import format_table, write_report
    from rag.evaluate.runner import run_cases, run_config, save_run
    from rag.facade import RagService
    from rag.settings import load_settings

    documents, cases, digest = read_squad(args.data)
    if args.stratified:
        n_answerable, n_unanswerable = (int(x) for x in args.stratified.split(","))
        chosen = select_stratified(cases, n_answerable, n_unanswerable, args.seed)
        args.sample = f"{n_answerable}+{n_unanswerable}"
    else:
        chosen = select(cases, args.questions, args.sample, args.seed)
    if args.slice:
        start, end = (int(x) if x else None for x in args.slice.split(":"))
        chosen = chosen[start:end]
    overrides = parse_overrides(args.overrides)
    if "index_dir" in overrides:
        raise InputError("the index lives in the cache folder: use --cache, not --set index_dir")
    if "embedding_threads" not in overrides and not os.environ.get("RAG_EMBEDDING_THREADS"):
        # One query at a time: one torch thread is as fast on an idle machine and many
        # times faster on a busy one (threads fighting over the cores).
        overrides["embedding_threads"] = str(BENCH_THREADS)
    settings = load_settings(config_file=args.config, **overrides)
    # One index per data file, embedding model and chunking: answer settings share it.
    shape = json.dumps(
        [digest, settings.embedding_model, settings.chunk_tokens, settings.chunk_overlap_tokens]
    )
    index_dir = args.cache / f"squad-index-{hashlib.sha256(shape.encode()).hexdigest()[:10]}"
    settings = load_settings(config_file=args.config, **overrides, index_dir=index_dir)
    service = RagService(settings)
    corpus = write_corpus(documents, args.cache / f"squad-corpus-{digest}.jsonl")
    report = service.index([corpus])
    print(f"corpus: {len(documents)} paragraphs; {report.summary()}", file=sys.stderr)
    part = f"-{args.slice.replace(':', '_')}" if args.slice else ""
    testset = args.cache / f"squad-{args.questions}-{args.sample or 'all'}-{args.seed}{part}.jsonl"
    write_dataset(chosen, testset)
    answerable = sum(c.answerable for c in chosen)
    print(
        f"questions: {len(chosen)} ({answerable} answerable, {len(chosen) - answerable} "
        f"unanswerable), written to {testset}",
        file=sys.stderr,
    )
    if args.retrieval_only:
        gold = [c for c in chosen if c.answerable]
        metrics = retrieval_only(service, gold, max(HIT_KS), not args.quiet)
        print(json.dumps({"metrics": metrics, "overrides": overrides, "code": git_version()}))
        return 0
    config = run_config(
        service,
        dataset=f"SQuAD 2.0 {args.data.name} ({args.questions}, sample {args.sample or 'all'}, "
        f"seed {args.seed}{', slice ' + args.slice if args.slice else ''})",
        overrides=overrides,
        index_dir=str(index_dir),
        code=git_version(),
    )
    run = run_cases(service, chosen, progress=not args.quiet, config=config)
    print(format_table(run.metrics))
    if args.json_out:
        print(f"wrote {save_run(run, args.json_out)}", file=sys.stderr)
    if args.report:
        print(f"wrote {write_report(run, args.report)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
