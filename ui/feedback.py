"""Thumbs up/down on answers, appended as JSON lines to ``<index_dir>/feedback.jsonl``."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FEEDBACK_FILE = "feedback.jsonl"
_lock = threading.Lock()


def feedback_path(index_dir: Path | str) -> Path:
    """The feedback log of an index."""
    return Path(index_dir) / FEEDBACK_FILE


def record_feedback(
    index_dir: Path | str, question: str, answer: dict[str, Any], rating: str
) -> dict[str, Any]:
    """Append one rating ("up", "down" or "cleared") of an answer; returns the record."""
    record = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "rating": rating,
        "question": question,
        "answer": answer.get("answer", ""),
        "search_query": answer.get("search_query"),
        "model": answer.get("model"),
        "abstained": answer.get("abstained"),
        "sources": [
            {k: c.get(k) for k in ("n", "doc_id", "title", "date", "url", "quote", "start", "end")}
            for c in answer.get("citations", [])
        ],
    }
    path = feedback_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
    return record
