"""The test set: JSONL, one question per line, checked as it is read.

Each line is ``{"id", "question", "answers": [str], "sources": [doc_id], "answerable": bool,
"history"?: [{"role", "content"}], "type"?: str}``. A bad line is an
:class:`~rag.errors.InputError` whose one-line message names the file and the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rag.errors import InputError

REQUIRED = ("id", "question", "answers", "sources", "answerable")
OPTIONAL = ("history", "type", "as_of")
ROLES = ("user", "assistant")


@dataclass(frozen=True)
class Case:
    """One test question and what a correct answer must contain and cite."""

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    answerable: bool
    history: tuple[dict[str, str], ...] = field(default_factory=tuple)
    type: str | None = None
    as_of: str | None = None  # ISO date the question is asked on ("this week" counts back)

    @property
    def kind(self) -> str:
        """The type, or "answerable"/"unanswerable" when the test set gives none."""
        return self.type or ("answerable" if self.answerable else "unanswerable")

    def expected(self) -> dict[str, Any]:
        """What the result record stores as ``expected``."""
        return {
            "answers": list(self.answers),
            "sources": list(self.sources),
            "answerable": self.answerable,
        }

    def to_dict(self) -> dict[str, Any]:
        """The case as one JSONL line spells it."""
        data: dict[str, Any] = {"id": self.id, "question": self.question, **self.expected()}
        if self.history:
            data["history"] = [dict(turn) for turn in self.history]
        if self.type:
            data["type"] = self.type
        if self.as_of:
            data["as_of"] = self.as_of
        return data


def _string_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f'{where}: "{name}" must be a list of non-empty strings')
    return tuple(v.strip() for v in value)


def _history(value: Any, where: str) -> tuple[dict[str, str], ...]:
    if value is None:
        return ()
    ok = isinstance(value, list) and all(
        isinstance(t, dict)
        and t.get("role") in ROLES
        and isinstance(t.get("content"), str)
        and set(t) <= {"role", "content"}
        for t in value
    )
    if not ok:
        raise InputError(
            f'{where}: "history" must be a list of {{"role": "user"|"assistant", '
            '"content": "..."}} objects'
        )
    return tuple({"role": t["role"], "content": t["content"]} for t in value)


def parse_case(obj: Any, where: str) -> Case:
    """One decoded line as a :class:`Case`; ``where`` ("file line n") prefixes any error."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object")
    unknown = sorted(set(obj) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise InputError(
            f'{where}: unknown field "{unknown[0]}" (fields: {", ".join(REQUIRED + OPTIONAL)})'
        )
    missing = [name for name in REQUIRED if name not in obj]
    if missing:
        raise InputError(f'{where}: missing field "{missing[0]}"')
    case_id, question = obj["id"], obj["question"]
    if not isinstance(case_id, str) or not case_id.strip():
        raise InputError(f'{where}: "id" must be a non-empty string')
    if not isinstance(question, str) or not question.strip():
        raise InputError(f'{where}: "question" must be a non-empty string')
    if not isinstance(obj["answerable"], bool):
        raise InputError(f'{where}: "answerable" must be true or false')
    answers = _string_list(obj["answers"], "answers", where)
    sources = _string_list(obj["sources"], "sources", where)
    answerable = obj["answerable"]
    if answerable and not answers:
        raise InputError(f'{where}: an answerable question needs at least one of "answers"')
    if answerable and not sources:
        raise InputError(f'{where}: an answerable question needs at least one of "sources"')
    if not answerable and answers:
        raise InputError(f'{where}: an unanswerable question must have "answers": []')
    as_of = obj.get("as_of")
    if as_of is not None:
        try:
            as_of = date.fromisoformat(str(as_of)).isoformat()
        except ValueError:
            raise InputError(f'{where}: "as_of" must be a date, YYYY-MM-DD') from None
    kind = obj.get("type")
    if kind is not None and (not isinstance(kind, str) or not kind.strip()):
        raise InputError(f'{where}: "type" must be a non-empty string')
    return Case(
        id=case_id.strip(),
        question=question.strip(),
        answers=answers,
        sources=sources,
        answerable=answerable,
        history=_history(obj.get("history"), where),
        type=kind.strip() if kind else None,
        as_of=as_of,
    )


def load_dataset(path: str | Path) -> list[Case]:
    """Read and check a JSONL test set; blank lines are skipped, ids must be unique."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"test set {path} not found: give a JSONL file of questions") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"test set {path} cannot be read as UTF-8 text: {exc}") from None
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: malformed JSON ({exc.msg}, column {exc.colno})") from None
        case = parse_case(obj, where)
        if case.id in seen:
            raise InputError(f'{where}: duplicate id "{case.id}" (first on line {seen[case.id]})')
        seen[case.id] = number
        cases.append(case)
    if not cases:
        raise InputError(f"test set {path} has no questions")
    return cases


def write_dataset(cases: Iterable[Case], path: str | Path) -> Path:
    """Write cases as JSONL (UTF-8, one object per line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case.to_dict(), ensure_ascii=False) + "\n")
    return path
