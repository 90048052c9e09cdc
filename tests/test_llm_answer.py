"""The LLM answer path end to end: real index, litellm, a local fake OpenAI-compatible server."""

import time

import pytest

from rag.facade import RagService
from tests.conftest import ABU_DHABI_DOC, make_settings
from tests.fake_provider import API_KEY, MODEL, unused_port

QUESTION = "Who led Russia's delegation in Abu Dhabi?"


@pytest.fixture
def llm_service(seeded_service, fake_provider):
    def build(api_base: str | None = None) -> RagService:
        settings = make_settings(
            seeded_service.settings.index_dir,
            llm_model=MODEL,
            llm_api_base=api_base or fake_provider.url,
            llm_api_key=API_KEY,
            llm_timeout_s=2,
            llm_reader="passages",
        )
        return RagService(settings, embedder=seeded_service.embedder)

    return build


def _passage_number(service: RagService, doc_id: str, containing: str = "Kostyukov") -> int:
    passages = service.retrieve(QUESTION)
    return next(
        i
        for i, p in enumerate(passages, 1)
        if p.chunk.doc_id == doc_id and containing in p.chunk.text
    )


def test_llm_answer_cites_passages_and_drops_unknown_markers(llm_service, fake_provider):
    service = llm_service()
    n = _passage_number(service, ABU_DHABI_DOC)
    fake_provider.set_reply(f"Military intelligence chief Igor Kostyukov led it [{n}][9].")
    result = service.answer(QUESTION)
    assert result.model == MODEL and not result.abstained
    assert "Kostyukov" in result.answer and "[9]" not in result.answer
    assert result.invalid_citations == 1
    # Verified claims are numbered in the order they are shown, like extractive answers.
    assert [c.n for c in result.citations] == [1] and result.answer.endswith("[1].")
    assert result.citations[0].doc_id == ABU_DHABI_DOC
    assert "Kostyukov" in result.citations[0].quote
    prompt = str(fake_provider.requests[-1])
    assert "Kostyukov" in prompt and "<passage" in prompt


def test_llm_refusal_is_an_abstention(llm_service, fake_provider):
    service = llm_service()
    fake_provider.set_reply(service.settings.refusal_text)
    result = service.answer("What is the capital of Australia?")
    assert result.abstained and result.citations == []


@pytest.mark.parametrize("mode", ["error500", "malformed", "slow"])
def test_provider_faults_fall_back_to_extractive_with_a_notice(llm_service, fake_provider, mode):
    fake_provider.set_mode(mode, delay=5) if mode == "slow" else fake_provider.set_mode(mode)
    service = llm_service()
    started = time.monotonic()
    result = service.answer(QUESTION)
    assert time.monotonic() - started < 4 + 3, "gave up within about the timeout"
    assert result.model == "extractive"
    assert result.notice and "language model failed" in result.notice
    assert "Kostyukov" in result.answer


def test_uncited_llm_answer_falls_back(llm_service, fake_provider):
    fake_provider.set_reply("Igor Kostyukov, trust me.")
    result = llm_service().answer(QUESTION)
    assert result.model == "extractive" and result.notice


def test_connection_refused_falls_back(llm_service):
    result = llm_service(api_base=f"http://127.0.0.1:{unused_port()}/v1").answer(QUESTION)
    assert result.model == "extractive" and result.notice


def test_streamed_llm_answer_yields_deltas_then_the_contract(llm_service, fake_provider):
    service = llm_service()
    n = _passage_number(service, ABU_DHABI_DOC)
    fake_provider.set_reply(f"Igor Kostyukov represented Russia [{n}].")
    events = list(service.answer_stream(QUESTION))
    deltas, final = events[:-1], events[-1]
    assert len(deltas) >= 2 and all(isinstance(d, str) for d in deltas)
    assert "Kostyukov" in "".join(deltas)
    assert final.citations and final.citations[0].doc_id == ABU_DHABI_DOC


def test_streamed_fault_falls_back(llm_service, fake_provider):
    fake_provider.set_mode("error500")
    events = list(llm_service().answer_stream(QUESTION))
    assert events[-1].model == "extractive" and events[-1].notice
