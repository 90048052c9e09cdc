"""The naive-prompt baseline: the model reads the top-k passages whole and its answer is shown
as it wrote it, with no verification.

Issue 9 compares the service with "a naive prompt" (five retrieved passages, "a short answer
with [n], or the refusal", temperature 0). That is the free-text reader
(``llm_reader = "passages"``, prompts ``answer_system.md`` / ``answer_user.md``) without
:func:`rag.answering.pipeline.check_free_text`: here every sentence the model writes is kept,
and each ``[n]`` it writes cites passage n, so a forged citation or an answer from outside
knowledge counts as it would for a user of such a service. Refusal is the model's refusal
sentence. Scoring is ``rag eval``'s, unchanged.

    .venv/bin/python -m bench.naive -- eval tests/eval/seeds.jsonl --corpus seeds
    .venv/bin/python -m bench.naive --replies DIR --squad -- --stratified 300,150 --seed 0

With ``--replies`` the model's replies are kept and replayed as ``bench/replay.py`` does.
Only for measuring: the service itself never shows an unverified claim.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench import replay
from rag.answering import pipeline
from rag.answering.cite import best_quote, make_citation
from rag.answering.passages import ValidatedAnswer


def unchecked(
    result: ValidatedAnswer, prepared: pipeline.Prepared, settings: pipeline.Settings
) -> pipeline.Checked:
    """The model's answer as written: each passage it cites becomes a citation (its quote the
    sentence sharing most words with the answer), nothing is removed."""
    if result.is_refusal:
        return pipeline.Checked(settings.refusal_text, [], True, invalid=result.invalid_markers)
    citations = [
        make_citation(
            n, prepared.passages[n - 1], best_quote(prepared.passages[n - 1], result.text)
        )
        for n in result.used
        if 1 <= n <= len(prepared.passages)
    ]
    return pipeline.Checked(result.text, citations, False, invalid=result.invalid_markers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=Path, help="folder of kept replies (bench/replay.py)")
    parser.add_argument("--squad", action="store_true", help="run bench/squad.py, not rag")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="arguments after --")
    args = parser.parse_args(argv)
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    os.environ["RAG_LLM_READER"] = "passages"
    pipeline.check_free_text = unchecked
    if args.replies is not None:
        replay.install(args.replies)
    return replay.run_command(rest, args.squad)


if __name__ == "__main__":
    sys.exit(main())
