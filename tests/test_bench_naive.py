"""The naive-prompt baseline (bench/naive.py) shows the model's answer as written."""

from __future__ import annotations

from bench.naive import unchecked
from rag.answering.passages import ValidatedAnswer
from rag.settings import Settings
from tests.verify_cases import SUPER_BOWL_2022, TALKS, prepared_for


def test_the_baseline_keeps_a_claim_verification_would_remove():
    prepared = prepared_for([TALKS, SUPER_BOWL_2022], "Who won the 2018 World Cup?")
    result = ValidatedAnswer("France won it [2].", used=[2])
    checked = unchecked(result, prepared, Settings(answerer="extractive"))
    assert not checked.abstained and checked.text == "France won it [2]."
    assert [c.doc_id for c in checked.citations] == ["sb2022"]  # the forged citation stays


def test_the_baseline_refuses_only_when_the_model_does():
    settings = Settings(answerer="extractive")
    prepared = prepared_for([TALKS], "Who won the 2018 World Cup?")
    refusal = ValidatedAnswer(settings.refusal_text, is_refusal=True)
    checked = unchecked(refusal, prepared, settings)
    assert checked.abstained and checked.citations == []
