"""The ``rag`` command: parses flags, calls :class:`rag.facade.RagService`, prints results."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.cli_args import add_common_args, settings_from_args
from rag.errors import InputError, NotFoundError, RagError

DEFAULT_CORPUS = "seeds"
BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, as a shell reports a process a closed pipe ended
UNREAD_DATES_SHOWN = 5  # warnings about dates that could not be read, before a count


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept import-light so ``rag --help`` is fast)."""
    parser = argparse.ArgumentParser(
        prog="rag", description="Cited answers from a folder of news articles."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="index articles (files or folders)")
    add_common_args(index)
    index.add_argument(
        "paths",
        nargs="*",
        default=[DEFAULT_CORPUS],
        help=f"files or folders (default: {DEFAULT_CORPUS}/)",
    )
    index.add_argument(
        "--prune", action="store_true", help="drop indexed documents whose files are gone"
    )
    index.add_argument(
        "--rebuild",
        action="store_true",
        help="delete the index first (after changing model or chunking)",
    )
    index.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another indexing process to finish",
    )

    ask = commands.add_parser("ask", help="answer a question")
    add_common_args(ask)
    ask.add_argument("question", help='the question, quoted: "Who led the talks?"')
    ask.add_argument("--json", action="store_true", help="print the answer contract as JSON")
    ask.add_argument(
        "--doc",
        action="append",
        dest="doc_ids",
        metavar="ID",
        help="only search this document (repeatable)",
    )
    ask.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="oldest article date")
    ask.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="newest article date")
    ask.add_argument(
        "--as-of",
        dest="as_of",
        metavar="YYYY-MM-DD",
        help='the date "this week", "recently" and the like count back from (default today)',
    )

    remove = commands.add_parser("remove", help="delete documents from the index by id")
    add_common_args(remove)
    remove.add_argument(
        "doc_ids", nargs="+", metavar="ID", help="document ids, as `rag documents` lists them"
    )

    documents = commands.add_parser("documents", help="list the indexed documents")
    add_common_args(documents)
    documents.add_argument("--json", action="store_true", help="print the list as JSON")

    config = commands.add_parser("config", help="show the settings in force (secrets hidden)")
    add_common_args(config)

    feedback = commands.add_parser(
        "feedback",
        help="list the answers rated in the chat, or export them as a test set",
        description=(
            "list (the default): each rated answer's latest rating, newest first. "
            "export: the thumbs-down answers as a `rag eval` test set (see docs/evaluation.md)."
        ),
    )
    add_common_args(feedback)
    feedback.add_argument("action", nargs="?", choices=("list", "export"), default="list")
    feedback.add_argument(
        "--out", type=Path, metavar="FILE.jsonl", help="export: write here (default: stdout)"
    )
    feedback.add_argument("--all", action="store_true", help="export: the thumbs-up answers too")

    from rag.evaluate.cli import add_eval_parser
    from rag.server import add_serve_parser

    add_serve_parser(commands)
    add_eval_parser(commands)
    return parser


def _service(args: argparse.Namespace) -> Any:
    from rag.facade import RagService

    return RagService(settings_from_args(args))


def _indexed_service(args: argparse.Namespace) -> Any:
    """The service of an index that exists: a mistyped ``--index-dir`` (or a command run
    from another folder) is an error, not an empty index made there and read as one."""
    from rag.facade import RagService, require_index

    settings = settings_from_args(args)
    require_index(settings)
    return RagService(settings)


def cmd_index(args: argparse.Namespace) -> int:
    """``rag index``."""
    from rag.index_progress import IndexProgressView
    from rag.indexer import REPLACED_WARNING, UNREAD_DATE_WARNING
    from rag.ingest import check_paths

    check_paths(args.paths)  # before the service makes an index folder for nothing
    report = _service(args).index(
        args.paths,
        prune=args.prune,
        wait_s=args.wait,
        rebuild=args.rebuild,
        progress=IndexProgressView(),
    )
    for skipped in report.skipped:
        print(f"warning: {skipped.message}", file=sys.stderr)
    for doc_id in report.duplicates:
        print(
            f"warning: document id {doc_id!r} appears more than once; kept the first",
            file=sys.stderr,
        )
    for doc_id, path, written in report.unread_dates[:UNREAD_DATES_SHOWN]:
        warning = UNREAD_DATE_WARNING.format(date=written, doc_id=doc_id)
        print(f"warning: {path}: {warning}", file=sys.stderr)
    if len(report.unread_dates) > UNREAD_DATES_SHOWN:
        print(
            f"warning: and {len(report.unread_dates) - UNREAD_DATES_SHOWN} more article(s) "
            "whose date could not be read",
            file=sys.stderr,
        )
    for doc_id, before, now in report.replaced:
        warning = REPLACED_WARNING.format(now=now, doc_id=doc_id, before=before)
        print(f"warning: {warning}", file=sys.stderr)
    if report.stale:
        print(
            f"note: still indexed but no longer in their files: {_some_ids(report.stale)}; "
            "`rag index --prune` with the same paths drops them",
            file=sys.stderr,
        )
    if report.kept_unread:
        print(
            f"warning: not pruned, as their file has records that could not be read (above): "
            f"{_some_ids(report.kept_unread)}; fix the records and index again",
            file=sys.stderr,
        )
    if report.found_nothing:
        from rag.ingest import SUPPORTED_LIST

        ignored = f" ({report.unsupported} file(s) of other types ignored)"
        raise InputError(
            f"no articles found in {', '.join(map(str, args.paths))}"
            f"{ignored if report.unsupported else ''}: give files of type {SUPPORTED_LIST}"
        )
    print(report.summary())
    return 0


def _some_ids(doc_ids: list[str], shown: int = 3) -> str:
    """``a, b, c and 4 more``: the first ``shown`` ids and how many others."""
    more = f" and {len(doc_ids) - shown} more" if len(doc_ids) > shown else ""
    return ", ".join(doc_ids[:shown]) + more


def cmd_ask(args: argparse.Namespace) -> int:
    """``rag ask``."""
    from rag.retrieve import make_filters

    filters = make_filters(
        args.doc_ids, args.date_from, args.date_to, args.as_of, ("--from", "--to", "--as-of")
    )
    service = _indexed_service(args)
    if not service.documents():
        from rag.lock import is_locked

        if is_locked(service.settings.index_dir):  # a rebuild empties it first
            raise NotFoundError(
                f"the index at {service.settings.index_dir} holds no articles yet: it is being "
                "written (a rebuild starts empty); ask again when `rag index` has finished"
            )
        raise NotFoundError(
            f"the index at {service.settings.index_dir} holds no articles: "
            "add some with `rag index FOLDER`"
        )
    result = service.answer(args.question, top_k=args.top_k, filters=filters)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(result.answer)
    if result.notice:
        print(f"\nnote: {result.notice}")
    for c in result.citations:
        where = ", ".join(x for x in (c.date, c.url) if x)
        print(f"\n[{c.n}] {c.title}{f' ({where})' if where else ''}\n    “{c.quote}”")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """``rag remove``."""
    removed = _indexed_service(args).remove(args.doc_ids)
    print(f"removed {len(removed)} document(s): {', '.join(removed)}")
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    """``rag documents``."""
    from dataclasses import asdict

    docs = _indexed_service(args).documents()
    if args.json:
        print(json.dumps([asdict(d) for d in docs], ensure_ascii=False, indent=2))
        return 0
    for d in docs:
        print(f"{d.doc_id}\t{d.date or '-'}\t{d.chunks} passage(s)\t{d.title}")
    print(f"{len(docs)} document(s)")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """``rag config``: the settings, led by the model that answers (as ``/api/health`` says
    it: ``llm_model`` stays set while ``answerer = "extractive"`` is in force)."""
    settings = settings_from_args(args)
    shown = {"answers_with": settings.generator or "extractive"} | settings.public_dict()
    print(json.dumps(shown, indent=2))
    return 0


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def feedback_line(record: Mapping[str, Any]) -> str:
    """One rated answer as a line of ``rag feedback``."""
    answer = "(refused) " if record.get("abstained") else ""
    fields = [
        str(record.get("timestamp") or "-"),
        str(record.get("rating")),
        _shorten(record["question"]),
        answer + _shorten(record.get("answer") or ""),
    ]
    if record.get("correction"):
        fields.append(f"should be: {_shorten(record['correction'])}")
    return "\t".join(fields)


def _export_feedback(
    rated: list[dict[str, Any]], args: argparse.Namespace, settings: Any, path: Path
) -> int:
    from rag.evaluate.dataset import write_dataset
    from rag.evaluate.feedback import REVIEW, feedback_cases

    export = feedback_cases(rated, include_up=args.all, refusal_text=settings.refusal_text)
    for record, reason in export.skipped:
        print(f"warning: skipped {record['question']!r}: {reason}", file=sys.stderr)
    if not export.cases:
        wanted = "rated answers" if args.all else "thumbs-down answers"
        raise InputError(f"no {wanted} to export in {path}: rate answers in the chat first")
    if args.out:
        write_dataset(export.cases, args.out)
    else:
        for case in export.cases:
            print(json.dumps(case.to_dict(), ensure_ascii=False))
    review = export.count(REVIEW)
    note = f" ({review} typed {REVIEW}: no correction, so they expect a refusal)" if review else ""
    where = f" to {args.out}" if args.out else ""
    print(f"exported {len(export.cases)} test case(s){where}{note}", file=sys.stderr)
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """``rag feedback [list|export]``: the chat's ratings, or a test set made of them."""
    from rag.facade import require_index
    from rag.feedback import current_feedback, feedback_path, read_feedback

    settings = settings_from_args(args)
    require_index(settings)  # a mistyped --index-dir is an error, not "0 rated answers"
    path = feedback_path(settings.index_dir)
    records, unreadable = read_feedback(settings.index_dir)
    if unreadable:
        print(f"warning: skipped {unreadable} unreadable line(s) of {path}", file=sys.stderr)
    rated = current_feedback(records)
    if args.action == "export":
        return _export_feedback(rated, args, settings, path)
    if args.out or args.all:
        raise InputError("--out and --all go with `rag feedback export`")
    for record in rated:
        print(feedback_line(record))
    print(f"{len(rated)} rated answer(s) in {path}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """``rag serve`` (the chat UI and the HTTP API on one port)."""
    from rag.server import run_serve

    return run_serve(args)


def cmd_eval(args: argparse.Namespace) -> int:
    """``rag eval`` (score a test set)."""
    from rag.evaluate.cli import run_eval

    return run_eval(args)


COMMANDS = {
    "index": cmd_index,
    "ask": cmd_ask,
    "remove": cmd_remove,
    "documents": cmd_documents,
    "config": cmd_config,
    "feedback": cmd_feedback,
    "serve": cmd_serve,
    "eval": cmd_eval,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code. Errors print one line (``RAG_DEBUG=1``: traceback)."""
    args = build_parser().parse_args(argv)
    debug = os.environ.get("RAG_DEBUG", "").lower() in {"1", "true", "yes"}
    try:
        return COMMANDS[args.command](args)
    except RagError as exc:
        if debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output left early (`rag eval --compare A B | head`): stop
        # quietly, with stdout pointed at nothing so the interpreter's last flush is silent.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE_EXIT


if __name__ == "__main__":
    sys.exit(main())
