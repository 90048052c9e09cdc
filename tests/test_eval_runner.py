"""The evaluation runner and the ``rag eval`` command, on a real index of the seed articles."""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path

import pytest

from rag.evaluate.cli import _gate, add_eval_parser, run_eval
from rag.evaluate.dataset import Case, write_dataset
from rag.evaluate.report import write_report
from rag.evaluate.runner import load_run, run_cases, save_run
from tests.conftest import ABU_DHABI_DOC, REPO, SEEDS
from tests.fake_provider import API_KEY, MODEL

CASES = [
    Case(
        "russia",
        "Who led Russia's delegation in Abu Dhabi?",
        ("Kostyukov",),
        (ABU_DHABI_DOC,),
        True,
        type="person",
    ),
    Case(
        "ukraine",
        "And who led Ukraine's?",
        ("Umerov",),
        (ABU_DHABI_DOC,),
        True,
        history=(
            {"role": "user", "content": "Who led Russia's delegation in Abu Dhabi?"},
            {"role": "assistant", "content": "Igor Kostyukov."},
        ),
        type="follow-up",
    ),
    Case("australia", "What is the capital of Australia?", (), (), False, type="unanswerable"),
]


def test_run_over_a_real_index(seeded_service, tmp_path):
    run = run_cases(seeded_service, CASES, retrieve_k=10, progress=False)
    russia, ukraine, australia = run.results
    assert russia["correct"] and not russia["abstained"]
    assert russia["gold_rank"] == 1 and len(russia["retrieved"]) == 10
    assert {"retrieve", "answer", "total"} <= set(russia["timings_ms"])
    assert russia["citations"][0]["doc_id"] == ABU_DHABI_DOC
    # the follow-up is searched as the answerer searched it: completed from the earlier one
    searched = ukraine["search_query"]
    assert searched == "Who led Ukraine's delegation in Abu Dhabi?"
    assert ukraine["retrieved"][0] == ABU_DHABI_DOC
    assert australia["abstained"] and australia["correct"]
    m = run.metrics
    assert m["questions"] == 3 and m["hit@1"] == 1.0 and m["refusal_accuracy"] == 1.0
    assert m["latency_ms"]["total"]["p50"] > 0
    assert run.config["settings"]["llm_model"] == "extractive"

    saved = load_run(save_run(run, tmp_path / "run.json"))
    assert saved.metrics == json.loads(json.dumps(m))
    assert [r["id"] for r in saved.results] == ["russia", "ukraine", "australia"]


def test_report_writes_charts_beside_it(seeded_service, tmp_path):
    # `make run` installs only the main dependencies: the charts must not need an extra.
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("matplotlib") for dep in project["dependencies"])
    run = run_cases(seeded_service, CASES[:1] + CASES[2:], progress=False)
    report = write_report(run, tmp_path / "out" / "report.md")
    text = report.read_text(encoding="utf-8")
    assert "![Retrieval hit@k](report-hit-at-k.png)" in text
    assert (tmp_path / "out" / "report-hit-at-k.png").stat().st_size > 0
    assert (tmp_path / "out" / "report-by-type.png").stat().st_size > 0


def eval_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rag")
    add_eval_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["eval", *argv])


def test_eval_command_builds_a_temporary_index_and_applies_the_gate(
    tmp_path, monkeypatch, embedder, capsys
):
    monkeypatch.chdir(tmp_path)  # no rag.toml of the developer's
    monkeypatch.setattr("rag.facade.Embedder", lambda *args, **kwargs: embedder)
    dataset = write_dataset(CASES, tmp_path / "set.jsonl")
    out = tmp_path / "run.json"
    code = run_eval(
        eval_args(
            str(dataset),
            "--corpus",
            str(SEEDS),
            "--json",
            str(out),
            "--quiet",
            "--min-accuracy",
            "0.5",
        )
    )
    assert code == 0
    assert "answer accuracy" in capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"metrics", "config", "results"}
    assert data["config"]["index_dir"] is None  # temporary
    assert not Path("index").exists()

    code = run_eval(eval_args("--compare", str(out), str(out)))
    assert code == 0
    assert "0 fixed, 0 broken" in capsys.readouterr().out

    code = run_eval(
        eval_args(
            str(dataset),
            "--corpus",
            str(SEEDS),
            "--quiet",
            "--limit",
            "1",
            "--min-refusal-accuracy",
            "0.9",
        )
    )
    assert code == 1  # the first question is answerable: no refusal accuracy to show
    assert "refusal accuracy n/a is below --min-refusal-accuracy 0.9" in capsys.readouterr().err


def test_the_gate_bounds_false_refusals_from_above():
    args = eval_args("x.jsonl", "--min-accuracy", "0.9", "--max-false-refusals", "0.05")
    metrics = {"answer_accuracy": 0.92, "refusal_accuracy": 0.8, "false_refusals": 0.058}
    assert _gate(metrics, args) == ["false refusals 0.058 is above --max-false-refusals 0.05"]
    assert _gate({**metrics, "false_refusals": 0.019}, args) == []


# --------------------------------------------------------------------------- with an LLM


@pytest.fixture
def llm_service(make_service, fake_provider):
    service = make_service(
        llm_model=MODEL, llm_api_base=fake_provider.url, llm_api_key=API_KEY, llm_reader="passages"
    )
    service.index([SEEDS])
    return service


def test_llm_run_counts_invalid_markers(llm_service, fake_provider):
    fake_provider.set_reply("Igor Kostyukov leads Russia's side [1] [9].")
    (result,) = run_cases(llm_service, CASES[:1], progress=False).results
    assert result["model"] == MODEL
    assert result["invalid_citations"] == 1  # [9] named no passage
    assert [c["n"] for c in result["citations"]] == [1]


def test_judge_reads_the_verdict_and_survives_provider_faults(llm_service, fake_provider):
    from rag.evaluate.judge import judge_faithfulness

    fake_provider.set_reply("Kostyukov [1].")
    answer = llm_service.answer("Who led Russia's delegation in Abu Dhabi?")
    settings = llm_service.settings
    fake_provider.set_reply("YES")
    assert judge_faithfulness(answer, settings) is True
    assert "Kostyukov [1]." in fake_provider.last_messages[0]["content"]
    fake_provider.set_reply("No.")
    assert judge_faithfulness(answer, settings) is False
    fake_provider.set_mode("error500")
    assert judge_faithfulness(answer, settings) is None
