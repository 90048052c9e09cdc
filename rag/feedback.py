"""The feedback log: ratings of answers, appended as JSON lines to ``<index_dir>/feedback.jsonl``.

Each line is one rating of one answer. The log is only ever appended to: rating an answer
again (a thumbs-down, then its correction; a like taken back) adds a line with the same
``answer_id``, and :func:`current_feedback` keeps the latest line of each answer.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FEEDBACK_FILE = "feedback.jsonl"
RATINGS = ("up", "down", "cleared")
CITATION_FIELDS = ("n", "doc_id", "title", "date", "url", "quote", "start", "end", "quote_in")
_lock = threading.Lock()


def feedback_path(index_dir: Path | str) -> Path:
    """The feedback log of an index."""
    return Path(index_dir) / FEEDBACK_FILE


def new_answer_id() -> str:
    """An id for one shown answer, so that later ratings of it supersede earlier ones."""
    return uuid.uuid4().hex[:16]


def record_feedback(
    index_dir: Path | str,
    question: str,
    answer: Mapping[str, Any],
    rating: str,
    *,
    answer_id: str | None = None,
    history: Iterable[Mapping[str, str]] = (),
    correction: str | None = None,
) -> dict[str, Any]:
    """Append one rating of an answer (the answer contract as a dict); returns the record.

    ``history`` is the conversation before the question (``{"role", "content"}`` turns);
    ``correction`` what the user says the answer should be.
    """
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    record = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "answer_id": answer_id or new_answer_id(),
        "rating": rating,
        "question": question,
        "history": [{"role": t["role"], "content": t["content"]} for t in history],
        "answer": answer.get("answer", ""),
        "abstained": answer.get("abstained"),
        "correction": (correction or "").strip() or None,
        "search_query": answer.get("search_query"),
        "model": answer.get("model"),
        "sources": [{k: c.get(k) for k in CITATION_FIELDS} for c in answer.get("citations", [])],
        "retrieved": list(answer.get("retrieved") or []),
    }
    path = feedback_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
    return record


def read_feedback(index_dir: Path | str) -> tuple[list[dict[str, Any]], int]:
    """Every record of the log, oldest first, and how many lines could not be read.

    A line cut short by a crash mid-write is skipped rather than failing the whole log.
    """
    path = feedback_path(index_dir)
    if not path.exists():
        return [], 0
    records: list[dict[str, Any]] = []
    bad = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(record, dict) and isinstance(record.get("question"), str):
            records.append(record)
        else:
            bad += 1
    return records, bad


def _answer_key(record: Mapping[str, Any]) -> str:
    # Records written before answer ids existed stand for themselves.
    return str(record.get("answer_id") or (record.get("timestamp"), record.get("question")))


def current_feedback(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The latest record of each rated answer, newest first; answers whose rating was
    taken back (``cleared``) are left out."""
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        key = _answer_key(record)
        latest.pop(key, None)  # re-insert, so the dict's order is that of each latest rating
        latest[key] = dict(record)
    return [r for r in reversed(latest.values()) if r.get("rating") != "cleared"]


def cited_doc_ids(record: Mapping[str, Any]) -> list[str]:
    """The documents behind the source cards the user saw (or, for a refusal, the documents
    searched), each once, in order."""
    cited = [s.get("doc_id") for s in record.get("sources") or [] if isinstance(s, Mapping)]
    ids = [d for d in cited if isinstance(d, str) and d] or [
        d for d in record.get("retrieved") or [] if isinstance(d, str) and d
    ]
    return list(dict.fromkeys(ids))
