"""Scoring rules, the test-set reader and the report helpers, on hand-made data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.evaluate.dataset import load_dataset
from rag.evaluate.metrics import (
    contains_answer,
    gold_rank,
    hit_at,
    is_correct,
    normalise,
    percentile,
    reciprocal_rank,
    summarise,
    unmatched_markers,
    unquoted_claims,
    word_count,
)
from rag.evaluate.report import compare_runs, format_comparison, format_table, markdown_report
from rag.evaluate.runner import Run
from rag.ingest import load_documents
from tests.conftest import ABU_DHABI_DOC, PARIS_DOC, SEEDS

SEED_SET = Path(__file__).resolve().parent / "eval" / "seeds.jsonl"
KOSTYUKOV = {"answers": ["Kostyukov"], "sources": [ABU_DHABI_DOC], "answerable": True}
UNANSWERABLE = {"answers": [], "sources": [], "answerable": False}


def cite(*doc_ids: str) -> list[dict]:
    return [{"n": n, "doc_id": d} for n, d in enumerate(doc_ids, start=1)]


# --------------------------------------------------------------------------- one answer


def test_normalise_folds_case_space_quotes_and_dashes():
    assert normalise("  “We DON’T”\u00a0want —\n a war ") == '"we don\'t" want - a war'
    assert normalise("one–third") == normalise("one-third") == normalise("one—third")


def test_answer_match_ignores_typography_and_markers():
    text = "“We don't want a war,” Lavrov said. [1]"
    assert contains_answer(text, ["We don’t  want a WAR"])
    assert contains_answer("cut supplies by one–third [2]", ["one-third"])
    assert not contains_answer(text, ["we want a war"])
    assert not contains_answer(text, [])


def test_right_answer_citing_the_wrong_article_is_wrong():
    answer = "Russia will be represented by Igor Kostyukov. [1]"
    assert is_correct(answer, False, cite(ABU_DHABI_DOC), KOSTYUKOV)
    assert not is_correct(answer, False, cite(PARIS_DOC), KOSTYUKOV)
    assert not is_correct(answer, False, [], KOSTYUKOV)


def test_wrong_answer_citing_the_right_article_is_wrong():
    assert not is_correct("Dmitri Kozak. [1]", False, cite(ABU_DHABI_DOC), KOSTYUKOV)


def test_one_gold_citation_among_others_is_enough():
    assert is_correct("Kostyukov [1] [2]", False, cite(PARIS_DOC, ABU_DHABI_DOC), KOSTYUKOV)


def test_refusing_an_answerable_question_is_wrong():
    assert not is_correct("The articles don't say.", True, [], KOSTYUKOV)


def test_unanswerable_is_correct_only_when_refused():
    assert is_correct("The articles don't say.", True, [], UNANSWERABLE)
    assert not is_correct("Kostyukov [1]", False, cite(ABU_DHABI_DOC), UNANSWERABLE)


def test_rank_hit_and_reciprocal_rank():
    retrieved = [PARIS_DOC, PARIS_DOC, ABU_DHABI_DOC]
    rank = gold_rank(retrieved, [ABU_DHABI_DOC])
    assert rank == 3
    assert not hit_at(rank, 1) and hit_at(rank, 3) and hit_at(rank, 10)
    assert reciprocal_rank(rank) == pytest.approx(1 / 3)
    assert gold_rank(retrieved, ["other"]) is None
    assert reciprocal_rank(None) == 0.0
    assert reciprocal_rank(11, k=10) == 0.0


def test_markers_without_a_citation_are_counted():
    assert unmatched_markers("A [1]. B [3]. C [2]", cite("a", "b")) == 1
    assert unmatched_markers("no markers", []) == 0


def test_word_count_leaves_markers_out():
    assert word_count("Igor Kostyukov leads it. [1] – yes [2]") == 5


def test_percentile_interpolates():
    assert percentile([], 50) is None
    assert percentile([10.0], 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(list(map(float, range(101))), 95) == 95.0


# --------------------------------------------------------------------------- a run


def record(case_id, expected, answer, abstained, citations, retrieved, type_=None, **extra):
    r = {
        "id": case_id,
        "question": f"question {case_id}",
        "expected": expected,
        "answer": answer,
        "abstained": abstained,
        "citations": citations,
        "retrieved": retrieved,
        "invalid_citations": 0,
        "timings_ms": {"retrieve": 10.0, "answer": 20.0, "total": 30.0},
        "correct": is_correct(answer, abstained, citations, expected),
    }
    if type_:
        r["type"] = type_
    r.update(extra)
    return r


REFUSAL = "The articles don't say."
RESULTS = [
    # right answer, gold passage first
    record("a", KOSTYUKOV, "Kostyukov [1]", False, cite(ABU_DHABI_DOC), [ABU_DHABI_DOC], "person"),
    # right words, wrong article: wrong; gold passage second
    record(
        "b",
        KOSTYUKOV,
        "Kostyukov [1]",
        False,
        cite(PARIS_DOC),
        [PARIS_DOC, ABU_DHABI_DOC],
        "person",
    ),
    # false refusal; gold passage not retrieved
    record("c", KOSTYUKOV, REFUSAL, True, [], [PARIS_DOC] * 10, "person"),
    record("d", UNANSWERABLE, REFUSAL, True, [], [PARIS_DOC], "unanswerable"),
    record(
        "e",
        UNANSWERABLE,
        "Kozak [1] [4]",
        False,
        cite(PARIS_DOC),
        [PARIS_DOC],
        "unanswerable",
        invalid_citations=1,
    ),
]


def test_summary_of_a_hand_made_run():
    m = summarise(RESULTS)
    assert (m["questions"], m["answerable"], m["unanswerable"], m["errors"]) == (5, 3, 2, 0)
    assert m["hit@1"] == pytest.approx(1 / 3, abs=1e-3)
    assert m["hit@3"] == m["hit@10"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["mrr@10"] == pytest.approx((1 + 0.5 + 0) / 3, abs=1e-3)
    assert m["answer_accuracy"] == pytest.approx(1 / 3, abs=1e-3)
    assert m["false_refusals"] == pytest.approx(1 / 3, abs=1e-3)
    assert m["refusal_accuracy"] == 0.5
    assert m["citation_precision"] == 0.5  # answerable only: 1 gold of 2
    assert m["invalid_citations"] == 1
    assert m["mean_answer_words"] == 1.0  # refusals are not answers
    assert m["latency_ms"]["total"] == {"p50": 30.0, "p95": 30.0}
    assert m["by_type"]["person"] == {"n": 3, "correct": 1, "accuracy": 0.3333}
    assert m["by_type"]["unanswerable"]["correct"] == 1
    assert "faithfulness" not in m


def test_shares_are_none_when_nothing_counts():
    m = summarise(RESULTS[:1])
    assert m["refusal_accuracy"] is None
    assert "-" in format_table(m)


def test_table_and_report_show_metrics_and_failures():
    run = Run({"dataset": "t.jsonl", "settings": {"top_k": 5}}, RESULTS, summarise(RESULTS))
    table = format_table(run.metrics)
    assert "answer accuracy" in table and "0.333" in table
    assert "latency total p50 / p95 (ms)" in table and "30.0 / 30.0" in table
    mixed = {**run.metrics, "latency_ms": {"retrieve": {"p50": 9.9, "p95": 15.24}}}
    assert "9.9 / 15.2" in format_table(mixed), "one format for both figures"
    text = markdown_report(run, charts=[])
    assert "| answer accuracy (answerable) | 0.333 |" in text
    assert "## Failures (3)" in text
    assert "expected: a refusal" in text and "got: a refusal" in text


def test_compare_lists_fixed_and_broken_questions_and_deltas():
    before = Run({}, RESULTS, summarise(RESULTS))
    fixed_b = record("b", KOSTYUKOV, "Kostyukov [1]", False, cite(ABU_DHABI_DOC), [ABU_DHABI_DOC])
    broken_a = record("a", KOSTYUKOV, REFUSAL, True, [], [ABU_DHABI_DOC])
    after_results = [broken_a, fixed_b, *RESULTS[2:]]
    after = Run({}, after_results, summarise(after_results))
    c = compare_runs(before, after)
    assert [p["a"]["id"] for p in c.fixed] == ["b"]
    assert [p["a"]["id"] for p in c.broken] == ["a"]
    assert c.deltas["answer_accuracy"][2] == pytest.approx(0.0)
    text = format_comparison(c)
    assert "1 fixed, 1 broken" in text


# --------------------------------------------------------------------------- test-set files


def write_lines(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps(
    {"id": "q1", "question": "Who?", "answers": ["X"], "sources": ["d"], "answerable": True}
)


def test_a_valid_set_loads(tmp_path):
    extra = json.dumps(
        {
            "id": "q2",
            "question": "And?",
            "answers": [],
            "sources": [],
            "answerable": False,
            "type": "follow-up",
            "history": [{"role": "user", "content": "Who?"}],
            "as_of": "2022-06-17",
        }
    )
    cases = load_dataset(write_lines(tmp_path, GOOD, "", extra))
    assert [c.id for c in cases] == ["q1", "q2"]
    assert cases[0].kind == "answerable" and cases[1].kind == "follow-up"
    assert cases[1].history == ({"role": "user", "content": "Who?"},)
    assert cases[0].as_of is None and cases[1].as_of == "2022-06-17"
    assert cases[1].to_dict()["as_of"] == "2022-06-17"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: malformed JSON"),
        ('["a list"]', "line 2: expected a JSON object"),
        (
            '{"id": "x", "question": "Q", "answers": ["A"], "answerable": true}',
            'line 2: missing field "sources"',
        ),
        (
            '{"id": "x", "question": "Q", "answers": ["A"], "sources": ["d"], "answerable": true, '
            '"answer": "A"}',
            'line 2: unknown field "answer"',
        ),
        (
            '{"id": "x", "question": " ", "answers": ["A"], "sources": ["d"], "answerable": true}',
            '"question" must be a non-empty string',
        ),
        (
            '{"id": "x", "question": "Q", "answers": "A", "sources": ["d"], "answerable": true}',
            '"answers" must be a list of non-empty strings',
        ),
        (
            '{"id": "x", "question": "Q", "answers": ["A"], "sources": [], "answerable": true}',
            'needs at least one of "sources"',
        ),
        (
            '{"id": "x", "question": "Q", "answers": [], "sources": ["d"], "answerable": true}',
            'needs at least one of "answers"',
        ),
        (
            '{"id": "x", "question": "Q", "answers": ["A"], "sources": [], "answerable": false}',
            'unanswerable question must have "answers": []',
        ),
        (
            '{"id": "x", "question": "Q", "answers": [], "sources": [], "answerable": "no"}',
            '"answerable" must be true or false',
        ),
        (
            '{"id": "x", "question": "Q", "answers": [], "sources": [], "answerable": false, '
            '"history": [{"role": "bot", "content": "hi"}]}',
            '"history" must be a list',
        ),
        (
            '{"id": "q1", "question": "Q", "answers": [], "sources": [], "answerable": false}',
            'line 2: duplicate id "q1" (first on line 1)',
        ),
        (
            '{"id": "x", "question": "Q", "answers": [], "sources": [], "answerable": false, '
            '"as_of": "this week"}',
            '"as_of" must be a date, YYYY-MM-DD',
        ),
    ],
)
def test_bad_lines_fail_with_one_line_naming_file_and_line(tmp_path, line, message):
    path = write_lines(tmp_path, GOOD, line)
    with pytest.raises(InputError) as err:
        load_dataset(path)
    text = str(err.value)
    assert message in text
    assert text.startswith(f"{path} line 2: ")
    assert "\n" not in text


def test_missing_and_empty_files_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_dataset(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="has no questions"):
        load_dataset(write_lines(tmp_path, "", " "))


# --------------------------------------------------------------------------- the seed set


def test_seed_set_is_well_formed_and_covers_the_question_kinds():
    cases = load_dataset(SEED_SET)
    assert len(cases) >= 40
    assert sum(not c.answerable for c in cases) >= 8
    assert all(c.type for c in cases)
    kinds = {c.type for c in cases}
    assert {
        "person",
        "number",
        "date",
        "place",
        "quote",
        "who-is",
        "follow-up",
        "multi-article",
        "unanswerable",
    } <= kinds
    assert all(c.history for c in cases if c.type == "follow-up")
    assert any(len(c.sources) > 1 for c in cases)


def test_seed_answers_appear_literally_in_a_source_article():
    articles = {d.doc_id: normalise(d.text) for d in load_documents([SEEDS], 10**7).documents}
    for case in load_dataset(SEED_SET):
        assert set(case.sources) <= set(articles), case.id
        for answer in case.answers:
            assert any(normalise(answer) in articles[s] for s in case.sources), (case.id, answer)


def test_a_quote_that_writes_nothing_of_its_claim_is_counted():
    kozak = {"n": 1, "doc_id": PARIS_DOC, "quote": "The Russian delegation is led by Kozak."}
    time = {"n": 2, "doc_id": PARIS_DOC, "quote": "The talks began at 1100 GMT on Tuesday."}
    assert unquoted_claims("1100 GMT [2]", [kozak, time]) == 0
    assert unquoted_claims("1100 GMT [1]", [kozak, time]) == 1
    # each claim against the quotes of its own markers; a run of markers cites one claim
    assert unquoted_claims("Kozak [1]. It began at 1100 GMT. [2]", [kozak, time]) == 0
    assert unquoted_claims("Kozak [1][2]", [kozak, time]) == 1
    # nothing to trace: a claim of stop words alone, or a citation without a quote
    assert unquoted_claims("No [1]", [kozak]) == 0
    assert unquoted_claims("1100 GMT [1]", [{"n": 1, "doc_id": PARIS_DOC}]) == 0
    record_ = record("q", KOSTYUKOV, "1100 GMT [1]", False, [kozak], [PARIS_DOC])
    assert summarise([record_])["unquoted_claims"] == 1
