"""RealTimeQA questions with the date each was asked on, as a ``rag eval`` test set.

RealTimeQA's questions come from weekly news quizzes and say "this week" or "recently" as
of the quiz date. The shared ``questions.jsonl`` keeps that date only in each id
(``20220617_0``: the quiz of 2022-06-17, from the source file ``20220617_qa.jsonl``), so
this writes a copy with ``as_of`` set from it, into the git-ignored cache:

    .venv/bin/python -m bench.realtimeqa            # prints the path it wrote
    .venv/bin/rag eval "$(.venv/bin/python -m bench.realtimeqa)" --index-dir IDX

The service reads ``as_of`` only as the date relative times count back from; a test set
without it is asked as of today.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

from bench.common import CACHE

QUESTIONS = Path("/work/shared/datasets/realtimeqa/questions.jsonl")
_QUIZ_ID = re.compile(r"^(\d{4})(\d{2})(\d{2})_\d+$")


def quiz_date(case_id: str) -> str | None:
    """The ISO date of the quiz a RealTimeQA id comes from, or None."""
    match = _QUIZ_ID.match(case_id)
    if not match:
        return None
    return date(*(int(part) for part in match.groups())).isoformat()


def write_testset(source: Path = QUESTIONS, folder: Path = CACHE) -> Path:
    """Write ``source`` with each question's ``as_of``; return the new file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.stem}-as-of.jsonl"
    lines = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            asked = quiz_date(str(case.get("id", "")))
            lines.append(json.dumps({**case, "as_of": asked} if asked else case))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(write_testset(Path(sys.argv[1]) if len(sys.argv) > 1 else QUESTIONS))
