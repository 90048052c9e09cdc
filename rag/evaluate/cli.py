"""The ``rag eval`` command: parse flags, run the evaluation, print and write the results.

Wired into :mod:`rag.cli` with ``add_eval_parser(commands)`` and ``run_eval(args)``; the
shared flags come from :mod:`rag.cli_args`, never from :mod:`rag.cli`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from rag.errors import InputError

GATE_EXIT_CODE = 1


def add_eval_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``eval`` to the ``rag`` sub-commands (``commands`` from ``add_subparsers``)."""
    from rag.cli_args import add_common_args

    parser = commands.add_parser(
        "eval",
        help="score answers against a JSONL test set",
        description=(
            "Ask every question of a JSONL test set, score retrieval, answers, refusals and "
            "citations, and print a table. Exit code 1 when a --min-* gate is not met."
        ),
    )
    add_common_args(parser)
    parser.add_argument(
        "dataset",
        nargs="?",
        type=Path,
        metavar="DATASET",
        help="JSONL test set (see docs/evaluation.md)",
    )
    parser.add_argument(
        "--corpus",
        action="append",
        type=Path,
        metavar="PATH",
        help="index these articles first (repeatable); into a temporary index unless "
        "--index-dir is given",
    )
    parser.add_argument(
        "--json",
        dest="json_out",
        type=Path,
        metavar="OUT.json",
        help="write metrics, config and per-question results as JSON",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="OUT.md",
        help="write a Markdown report, with PNG charts beside it",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("A.json", "B.json"),
        help="compare two saved runs question by question (no DATASET)",
    )
    parser.add_argument(
        "--judge",
        action="store_true",
        help="also ask the --model LLM whether each answer is faithful",
    )
    parser.add_argument(
        "--retrieve-k",
        type=int,
        default=10,
        metavar="K",
        help="passages retrieved for hit@k and MRR (default 10)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    parser.add_argument(
        "--min-accuracy",
        type=float,
        metavar="X",
        help="fail (exit 1) when answer accuracy is below X",
    )
    parser.add_argument(
        "--min-refusal-accuracy",
        type=float,
        metavar="Y",
        help="fail (exit 1) when refusal accuracy is below Y",
    )
    parser.add_argument(
        "--max-false-refusals",
        type=float,
        metavar="Z",
        help="fail (exit 1) when the share of answerable questions refused is above Z",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _gate(metrics: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """One message per --min-*/--max-* threshold the run does not meet."""
    failed = []
    for key, flag, minimum in (
        ("answer_accuracy", "--min-accuracy", args.min_accuracy),
        ("refusal_accuracy", "--min-refusal-accuracy", args.min_refusal_accuracy),
    ):
        value = metrics.get(key)
        if minimum is not None and (value is None or value < minimum):
            shown = "n/a" if value is None else f"{value:.3f}"
            failed.append(f"{key.replace('_', ' ')} {shown} is below {flag} {minimum:g}")
    for key, flag, maximum in (
        ("false_refusals", "--max-false-refusals", args.max_false_refusals),
    ):
        value = metrics.get(key)
        if maximum is not None and (value is None or value > maximum):
            shown = "n/a" if value is None else f"{value:.3f}"
            failed.append(f"{key.replace('_', ' ')} {shown} is above {flag} {maximum:g}")
    return failed


def _compare(args: argparse.Namespace) -> int:
    from rag.evaluate.report import compare_runs, format_comparison
    from rag.evaluate.runner import load_run

    path_a, path_b = args.compare
    print(
        format_comparison(
            compare_runs(load_run(path_a), load_run(path_b)), path_a.name, path_b.name
        )
    )
    return 0


def _warn_unknown_sources(service: Any, cases: list[Any]) -> None:
    known = {d.doc_id for d in service.documents()}
    if not known:
        raise InputError(
            f"the index at {service.settings.index_dir} is empty: run `rag index` first "
            "or pass --corpus PATH"
        )
    missing = sorted({s for c in cases for s in c.sources} - known)
    if missing:
        print(
            f"warning: {len(missing)} source id(s) of the test set are not in the index "
            f"(e.g. {missing[0]!r}): those questions cannot be answered correctly",
            file=sys.stderr,
        )


def run_eval(args: argparse.Namespace) -> int:
    """``rag eval``: returns 0, or 1 when a --min-* gate fails."""
    if args.compare:
        if args.dataset:
            raise InputError("give a DATASET or --compare A.json B.json, not both")
        return _compare(args)
    if args.dataset is None:
        raise InputError("give a test set: rag eval DATASET (or --compare A.json B.json)")
    if args.judge and not args.llm_model:
        raise InputError("--judge needs an LLM to judge with: add --model MODEL")
    if args.corpus and args.chroma_url:
        raise InputError("--corpus builds a local index: drop --chroma-url")
    from rag.cli_args import settings_from_args
    from rag.evaluate.dataset import load_dataset
    from rag.evaluate.report import format_table, write_report
    from rag.evaluate.runner import run_cases, run_config, save_run
    from rag.facade import RagService

    cases = load_dataset(args.dataset)[: args.limit or None]
    temporary = args.corpus and args.index_dir is None
    scratch = (
        tempfile.TemporaryDirectory(prefix="rag-eval-", ignore_cleanup_errors=True)
        if temporary
        else nullcontext(None)
    )
    with scratch as tmp:
        if tmp:
            args.index_dir = Path(tmp) / "index"
        settings = settings_from_args(args)
        service = RagService(settings)
        if args.corpus:
            from rag.index_progress import IndexProgressView

            view = None if args.quiet else IndexProgressView(label="index corpus")
            report = service.index(args.corpus, progress=view)
            print(report.summary(), file=sys.stderr)
        _warn_unknown_sources(service, cases)
        judge = None
        if args.judge:
            from rag.evaluate.judge import judge_faithfulness

            def judge(answer: Any) -> bool | None:
                return judge_faithfulness(answer, settings)

        config = run_config(
            service,
            dataset=str(args.dataset),
            corpus=[str(p) for p in args.corpus or []],
            index_dir=None if tmp else str(settings.index_dir),
        )
        run = run_cases(service, cases, args.retrieve_k, judge, not args.quiet, config)
    print(format_table(run.metrics))
    if args.json_out:
        print(f"wrote {save_run(run, args.json_out)}", file=sys.stderr)
    if args.report:
        print(f"wrote {write_report(run, args.report)}", file=sys.stderr)
    failed = _gate(run.metrics, args)
    for message in failed:
        print(f"eval gate: {message}", file=sys.stderr)
    return GATE_EXIT_CODE if failed else 0
