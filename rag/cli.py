"""The ``rag`` command: parses flags, calls :class:`rag.service.RagService`, prints results."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.errors import InputError, RagError

DEFAULT_CORPUS = "seeds"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file (default: ./rag.toml)")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: index/)")
    parser.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--embedding-model", help="sentence-transformers model name or folder")
    parser.add_argument(
        "--model",
        dest="llm_model",
        help="litellm model for answers, e.g. gpt-4o-mini (default: extractive)",
    )
    parser.add_argument("--top-k", type=int, help="passages to retrieve (default 5)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept import-light so ``rag --help`` is fast)."""
    parser = argparse.ArgumentParser(
        prog="rag", description="Cited answers from a folder of news articles."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="index articles (files or folders)")
    _common(index)
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
    _common(ask)
    ask.add_argument("question")
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

    remove = commands.add_parser("remove", help="delete documents from the index by id")
    _common(remove)
    remove.add_argument("doc_ids", nargs="+", metavar="ID")

    documents = commands.add_parser("documents", help="list the indexed documents")
    _common(documents)
    documents.add_argument("--json", action="store_true")

    config = commands.add_parser("config", help="show the settings in force (secrets hidden)")
    _common(config)

    from rag.evaluate.cli import add_eval_parser
    from rag.server import add_serve_parser

    add_serve_parser(commands)
    add_eval_parser(commands)
    return parser


def _settings(args: argparse.Namespace) -> Any:
    from rag.settings import load_settings

    flags = {
        name: getattr(args, name, None)
        for name in ("index_dir", "chroma_url", "embedding_model", "llm_model", "top_k")
    }
    return load_settings(config_file=args.config, **flags)


def _service(args: argparse.Namespace) -> Any:
    from rag.service import RagService

    return RagService(_settings(args))


def _check_date(value: str | None) -> str | None:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(f"date {value!r} is not YYYY-MM-DD") from None


def cmd_index(args: argparse.Namespace) -> int:
    """``rag index``."""
    from rag.index_progress import IndexProgressView

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
    print(report.summary())
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """``rag ask``."""
    from rag.retrieve import Filters

    filters = Filters(
        tuple(args.doc_ids) if args.doc_ids else None,
        _check_date(args.date_from),
        _check_date(args.date_to),
    )
    result = _service(args).answer(args.question, top_k=args.top_k, filters=filters)
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
    removed = _service(args).remove(args.doc_ids)
    print(f"removed {len(removed)} document(s): {', '.join(removed)}")
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    """``rag documents``."""
    from dataclasses import asdict

    docs = _service(args).documents()
    if args.json:
        print(json.dumps([asdict(d) for d in docs], ensure_ascii=False, indent=2))
        return 0
    for d in docs:
        print(f"{d.doc_id}\t{d.date or '-'}\t{d.chunks} passages\t{d.title}")
    print(f"{len(docs)} document(s)")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """``rag config``."""
    print(json.dumps(_settings(args).public_dict(), indent=2))
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


if __name__ == "__main__":
    sys.exit(main())
