"""The feedback log and ``rag feedback``: ratings in, ``rag eval`` test cases out."""

from __future__ import annotations

import json
import os

import pytest

from rag.cli import main
from rag.evaluate.dataset import load_dataset
from rag.evaluate.feedback import APPROVED, CORRECTED, REVIEW, expected_answer, feedback_cases
from rag.feedback import current_feedback, feedback_path, read_feedback, record_feedback
from tests.conftest import ABU_DHABI_DOC, PARIS_DOC

QUESTION = "Who led Russia's delegation in Abu Dhabi?"
ANSWER = {
    "answer": "Russia will be represented by Igor Kostyukov. [1]",
    "abstained": False,
    "citations": [{"n": 1, "doc_id": ABU_DHABI_DOC, "title": "Talks", "quote": "Russia …"}],
    "retrieved": [ABU_DHABI_DOC, PARIS_DOC],
    "model": "extractive",
}
REFUSAL = {
    "answer": "The articles don't say.",
    "abstained": True,
    "citations": [],
    "retrieved": [PARIS_DOC],
}


@pytest.fixture
def index_dir(tmp_path, monkeypatch):
    for name in [k for k in os.environ if k.startswith("RAG_")]:
        monkeypatch.delenv(name)
    return tmp_path / "index"


def test_a_later_rating_of_the_same_answer_supersedes_the_earlier(index_dir):
    record_feedback(index_dir, QUESTION, ANSWER, "down", answer_id="a1")
    record_feedback(index_dir, "Q2?", ANSWER, "up", answer_id="a2")
    record_feedback(index_dir, QUESTION, ANSWER, "down", answer_id="a1", correction=" Umerov ")
    record_feedback(index_dir, "Q3?", ANSWER, "up", answer_id="a3")
    record_feedback(index_dir, "Q3?", ANSWER, "cleared", answer_id="a3")
    records, bad = read_feedback(index_dir)
    assert len(records) == 5 and bad == 0
    current = current_feedback(records)
    assert [(r["answer_id"], r["rating"]) for r in current] == [("a1", "down"), ("a2", "up")]
    assert current[0]["correction"] == "Umerov"
    assert current[0]["sources"][0]["doc_id"] == ABU_DHABI_DOC
    assert current[0]["retrieved"] == [ABU_DHABI_DOC, PARIS_DOC]


def test_a_line_cut_short_is_skipped_not_fatal(index_dir):
    record_feedback(index_dir, QUESTION, ANSWER, "down")
    with open(feedback_path(index_dir), "a", encoding="utf-8") as fh:
        fh.write('{"timestamp": "2026-')
    records, bad = read_feedback(index_dir)
    assert len(records) == 1 and bad == 1


def test_unknown_ratings_are_refused(index_dir):
    with pytest.raises(ValueError, match="rating"):
        record_feedback(index_dir, QUESTION, ANSWER, "meh")


def test_the_correction_is_the_expected_answer_without_the_label_lead_in():
    assert expected_answer("The answer should be Igor Kostyukov.") == "Igor Kostyukov"
    assert expected_answer("  answer should be:  40,000 troops ") == "40,000 troops"
    assert expected_answer("Rustem Umerov") == "Rustem Umerov"


def test_each_kind_of_rating_becomes_the_documented_case(index_dir):
    history = [{"role": "user", "content": "Earlier?"}, {"role": "assistant", "content": "x"}]
    record_feedback(index_dir, QUESTION, ANSWER, "down", correction="Kostyukov", history=history)
    record_feedback(index_dir, "Wrong and uncorrected?", ANSWER, "down")
    record_feedback(index_dir, "Refused and uncorrected?", REFUSAL, "down")
    record_feedback(index_dir, "Refused, corrected?", REFUSAL, "down", correction="Paris")
    record_feedback(index_dir, "Unanswerable?", ANSWER, "down", correction="The articles don't say")
    record_feedback(index_dir, "Liked?", ANSWER, "up")
    record_feedback(index_dir, "Liked refusal?", REFUSAL, "up")
    current = current_feedback(read_feedback(index_dir)[0])

    downs = feedback_cases(current, refusal_text="The articles don't say.")
    by_question = {c.question: c for c in downs.cases}
    assert set(by_question) == {
        QUESTION,
        "Wrong and uncorrected?",
        "Refused, corrected?",
        "Unanswerable?",
    }
    refusal = by_question["Unanswerable?"]
    assert (refusal.answerable, refusal.answers, refusal.type) == (False, (), CORRECTED)
    corrected = by_question[QUESTION]
    assert (corrected.answers, corrected.sources, corrected.answerable, corrected.type) == (
        ("Kostyukov",),
        (ABU_DHABI_DOC,),
        True,
        CORRECTED,
    )
    assert corrected.history == tuple(history)
    review = by_question["Wrong and uncorrected?"]
    assert (review.answerable, review.answers, review.type) == (False, (), REVIEW)
    assert review.sources == (ABU_DHABI_DOC,)  # what the user saw, for the reviewer
    # a refusal shows no sources: the documents searched stand in for them
    assert by_question["Refused, corrected?"].sources == (PARIS_DOC,)
    assert [r["question"] for r, _ in downs.skipped] == ["Refused and uncorrected?"]

    everything = feedback_cases(current, include_up=True)
    approved = {c.question: c for c in everything.cases if c.type == APPROVED}
    assert approved["Liked?"].answers == ("Russia will be represented by Igor Kostyukov.",)
    assert approved["Liked?"].answerable and not approved["Liked refusal?"].answerable


def test_rag_feedback_lists_newest_first_and_exports_a_loadable_test_set(
    index_dir, tmp_path, capsys
):
    record_feedback(index_dir, QUESTION, ANSWER, "down", correction="Igor Kostyukov")
    record_feedback(index_dir, "Where did Kerry and Lavrov meet?", ANSWER, "down")
    flags = ["--index-dir", str(index_dir)]
    assert main(["feedback", *flags]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[1:3] == ["down", "Where did Kerry and Lavrov meet?"]
    assert lines[1].endswith("should be: Igor Kostyukov") and lines[2].startswith("2 rated")

    out = tmp_path / "set.jsonl"
    assert main(["feedback", "export", *flags, "--out", str(out)]) == 0
    assert "1 typed feedback-review" in capsys.readouterr().err
    cases = load_dataset(out)
    assert [c.type for c in cases] == [REVIEW, CORRECTED]  # newest first
    assert main(["feedback", "export", *flags]) == 0  # to stdout: the same lines
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == [c.to_dict() for c in cases]


def test_rag_feedback_errors_are_one_line(index_dir, capsys):
    assert main(["feedback", "--index-dir", str(index_dir)]) == 2  # a mistyped folder
    assert "no index at" in capsys.readouterr().err and not index_dir.exists()
    index_dir.mkdir()
    assert main(["feedback", "--index-dir", str(index_dir)]) == 0
    assert capsys.readouterr().out.startswith("0 rated answer(s)")
    assert main(["feedback", "export", "--index-dir", str(index_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no thumbs-down answers to export") and "\n" not in err
    assert main(["feedback", "--out", "x.jsonl", "--index-dir", str(index_dir)]) == 2
    assert "go with `rag feedback export`" in capsys.readouterr().err
