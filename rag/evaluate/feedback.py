"""Rated answers from the feedback log as ``rag eval`` test cases.

A thumbs-down becomes a case to fix, with the conversation the question was asked in and
the documents behind the sources the user saw (``sources``):

- with a correction: an answerable case whose expected answer is the correction
  (type ``feedback-corrected``); a correction that is the refusal text ("The articles
  don't say.") makes it an unanswerable one;
- without one, on an answer: the user rejected what was said but not said what is right.
  The case expects a refusal, the service's answer when it cannot support a claim, and is
  typed ``feedback-review``: a reviewer either writes the right answer into ``answers`` (and
  sets ``answerable`` to true) or confirms the refusal;
- without one, on a refusal: nothing to test against yet, so it is skipped (and counted).

With ``include_up``, a thumbs-up guards what was approved (type ``feedback-approved``): an
answer becomes an answerable case expecting that whole answer text (markers left out; a
reviewer may shorten it to its key phrase), a refusal an unanswerable case.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rag.errors import InputError
from rag.evaluate.dataset import Case, parse_case
from rag.evaluate.metrics import normalise, strip_markers
from rag.feedback import cited_doc_ids

CORRECTED = "feedback-corrected"
REVIEW = "feedback-review"
APPROVED = "feedback-approved"
# The chat labels its box "The answer should be…"; a user who types the label's words too
# ("The answer should be X.") means X.
_LEAD_IN = re.compile(r"^\s*(?:the\s+)?answer\s+should\s+be\s*:?\s*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@dataclass
class Export:
    """The cases made from the log, and the records that made none (with why)."""

    cases: list[Case] = field(default_factory=list)
    skipped: list[tuple[dict[str, Any], str]] = field(default_factory=list)

    def count(self, kind: str) -> int:
        """Cases of one type."""
        return sum(1 for c in self.cases if c.type == kind)


def expected_answer(correction: str) -> str:
    """The correction as an expected answer: the label's own lead-in and a final stop gone."""
    text = _SPACE.sub(" ", _LEAD_IN.sub("", correction)).strip()
    return text.rstrip(".").strip()


def _same(a: str, b: str) -> bool:
    return normalise(a).rstrip(".") == normalise(b).rstrip(".")


def case_id(record: Mapping[str, Any]) -> str:
    """A stable id: the answer id, else a hash of when and what was asked."""
    if record.get("answer_id"):
        return f"feedback-{record['answer_id']}"
    key = f"{record.get('timestamp')}\n{record.get('question')}\n{record.get('answer')}"
    return f"feedback-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _case_dict(
    record: Mapping[str, Any], refusal_text: str | None
) -> tuple[dict[str, Any] | None, str]:
    """The test-set line for one record, or None and the reason it makes none."""
    sources = cited_doc_ids(record)

    def case(answers: list[str], kind: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": case_id(record),
            "question": record["question"],
            "answers": answers,
            "sources": sources,
            "answerable": bool(answers),
            "type": kind,
        }
        if record.get("history"):
            data["history"] = record["history"]
        return data

    abstained = bool(record.get("abstained"))
    rating = record.get("rating")
    if rating == "down":
        correction = expected_answer(record.get("correction") or "")
        if correction and refusal_text and _same(correction, refusal_text):
            return case([], CORRECTED), ""
        if correction and not sources:
            return None, "corrected, but no source was shown or searched"
        if correction:
            return case([correction], CORRECTED), ""
        if abstained:
            return None, "a refusal rated down without a correction: add one in the chat"
        return case([], REVIEW), ""
    if rating == "up":
        if abstained:
            return case([], APPROVED), ""
        approved = _SPACE.sub(" ", strip_markers(record.get("answer") or "")).strip()
        if not approved or not sources:
            return None, "approved, but the answer or its sources are empty"
        return case([approved], APPROVED), ""
    return None, f"rating {rating!r}"


def feedback_cases(
    records: Iterable[Mapping[str, Any]],
    include_up: bool = False,
    refusal_text: str | None = None,
) -> Export:
    """Test cases from current feedback records (see :func:`rag.feedback.current_feedback`).

    Thumbs-down only, unless ``include_up``; a correction equal to ``refusal_text`` (the
    settings' refusal) asks for a refusal. Each case is checked as ``rag eval`` reads it.
    """
    export = Export()
    wanted = {"down", "up"} if include_up else {"down"}
    for record in records:
        if record.get("rating") not in wanted:
            continue
        data, reason = _case_dict(record, refusal_text)
        if data is None:
            export.skipped.append((dict(record), reason))
            continue
        try:
            export.cases.append(parse_case(data, f"feedback of {record.get('timestamp')}"))
        except InputError as exc:
            export.skipped.append((dict(record), str(exc)))
    return export
