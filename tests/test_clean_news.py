"""Cleaning real scraped news pages keeps every sentence that answers a dev question.

Reads the RealTimeQA dev set from the shared data folder by path (never copied into the
repository) and skips when it is absent. For each answerable question, every sentence of
its gold pages that contains the answer must survive :func:`rag.clean.clean_article`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag.clean import clean_article
from rag.evaluate.metrics import normalise

RTQA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "realtimeqa"
RTQA = RTQA if RTQA.exists() else Path("/work/shared/datasets/realtimeqa")
_SENTENCE_END = re.compile(r"(?<=[.!?…”\"])\s+(?=[A-Z“\"(])")

pytestmark = pytest.mark.skipif(
    not (RTQA / "questions.jsonl").exists(), reason="RealTimeQA data not at hand"
)


def _gold_pages() -> list[tuple[dict, list[str]]]:
    questions = [json.loads(line) for line in (RTQA / "questions.jsonl").open(encoding="utf-8")]
    wanted = {s: q["answers"] for q in questions if q["answerable"] for s in q["sources"]}
    pages = []
    with (RTQA / "articles.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            page = json.loads(line)
            if page["id"] in wanted:
                pages.append((page, wanted[page["id"]]))
    return pages


def _answer_sentences(text: str, answers: list[str]) -> list[str]:
    needles = [normalise(a) for a in answers]
    out = []
    for line in text.split("\n"):
        for sentence in _SENTENCE_END.split(line.strip()):
            if any(n and n in normalise(sentence) for n in needles):
                out.append(sentence)
    return out


def test_no_answer_bearing_sentence_of_a_gold_page_is_lost():
    pages = _gold_pages()
    assert len(pages) >= 50, "the dev set's gold pages"
    checked = 0
    lost = []
    for page, answers in pages:
        cleaned = normalise(clean_article(page["text"], page["title"]).text)
        for sentence in _answer_sentences(page["text"], answers):
            checked += 1
            if normalise(sentence) not in cleaned:
                lost.append(f"{page['id']}: {sentence[:100]}")
    assert checked >= len(pages), "every gold page states its answer"
    assert lost == []


def test_cleaning_removes_the_furniture_of_real_pages():
    """The sign-up boxes, contact lines and ad forms of the gold pages are gone."""
    furniture = re.compile(
        r"sign up here|how relevant is this ad|follow \w+(?: \w+)? on twitter|newsletter provides",
        re.I,
    )
    before = after = 0
    for page, _ in _gold_pages():
        before += len(furniture.findall(page["text"]))
        after += len(furniture.findall(clean_article(page["text"], page["title"]).text))
    assert before > 0 and after == 0, (before, after)
