"""Run an evaluation with the model's replies kept on disk, so a later run replays them.

A change to what happens *after* the model (verification, citation, refusal) can then be
scored on hundreds of questions in a minute instead of an hour: the prompt is the key, so
any change to retrieval, evidence or prompts misses the cache and asks the model again.
The key is what litellm is given: a change inside the local provider (the llama.cpp request
it builds, such as its prefilled JSON opening) is not in it, so give such a run a new folder.

    .venv/bin/python -m bench.replay --replies bench/.cache/replies -- \\
        eval tests/eval/seeds.jsonl --corpus seeds --json /tmp/seeds.json
    .venv/bin/python -m bench.replay --replies bench/.cache/replies --squad -- \\
        --stratified 300,150 --seed 0 --json /tmp/squad.json

Only whole (non-streamed) completions are kept; the evaluation runner uses those. Timings in
a replayed run are the cached ones for the model and real for everything else.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from pathlib import Path
from typing import Any

# Arguments that name *what* is asked; the rest (timeouts, retries) do not change the reply.
KEY_ARGUMENTS = ("model", "messages", "temperature", "max_tokens", "response_format")


def reply_key(kwargs: dict[str, Any]) -> str:
    """A stable digest of the arguments that decide the model's reply."""
    asked = {name: kwargs.get(name) for name in KEY_ARGUMENTS}
    return hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()


class ReplyCache:
    """``litellm.completion`` with whole replies read from and written to ``folder``."""

    def __init__(self, completion: Any, folder: Path) -> None:
        self.completion = completion
        self.folder = folder
        self.hits = 0
        self.misses = 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, **kwargs: Any) -> Any:
        if kwargs.get("stream"):
            return self.completion(**kwargs)
        path = self.folder / f"{reply_key(kwargs)}.pickle"
        if path.exists():
            self.hits += 1
            return pickle.loads(path.read_bytes())
        self.misses += 1
        response = self.completion(**kwargs)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(response))
        tmp.replace(path)
        return response


def install(folder: Path) -> ReplyCache:
    """Route every litellm completion of this process through a :class:`ReplyCache`."""
    from rag.answering import llm

    litellm = llm._litellm()
    cache = ReplyCache(litellm.completion, folder)
    litellm.completion = cache
    return cache


def run_command(rest: list[str], squad: bool) -> int:
    """Run ``bench/squad.py`` (``squad``) or the ``rag`` CLI with ``rest``; its exit code."""
    if squad:
        from bench import squad as squad_bench

        return int(squad_bench.main(rest) or 0)
    from rag.cli import main as rag_main

    return int(rag_main(rest) or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=Path, required=True, help="folder of kept replies")
    parser.add_argument("--squad", action="store_true", help="run bench/squad.py, not rag")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="arguments after --")
    args = parser.parse_args(argv)
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    cache = install(args.replies)
    code = run_command(rest, args.squad)
    print(f"replies: {cache.hits} replayed, {cache.misses} asked", file=sys.stderr)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
