"""The chat UI's ``/chat`` endpoint through the official ``gradio_client``."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.conftest_server"]
pytestmark = pytest.mark.slow

QUESTION = "Who led Russia's delegation in Abu Dhabi?"
CARD_TITLE = "Russian, Ukrainian, and US envoys set to continue peace talks in Abu Dhabi"


@pytest.fixture(scope="module")
def client(live_server):
    from gradio_client import Client

    return Client(live_server.url + "/", verbose=False)


def test_chat_endpoint_is_exposed(client):
    info = client.view_api(print_info=False, return_format="dict")
    chat = info["named_endpoints"]["/chat"]
    names = [p["parameter_name"] for p in chat["parameters"]]
    assert names == ["message", "top_k", "date_from", "date_to", "doc_ids"]


def test_chat_answers_with_sources(client):
    messages, sources, cleared = client.predict(QUESTION, 5, None, None, [], api_name="/chat")
    assert cleared == ""
    assert [m["role"] for m in messages] == ["user", "assistant"]
    answer = messages[-1]["content"]
    answer = answer if isinstance(answer, str) else str(answer)
    assert "Kostyukov" in answer
    assert 'href="#src-1-1"' in answer
    assert CARD_TITLE in sources and 'id="src-1-1"' in sources and "<mark>" in sources


def test_chat_streams_pending_then_final(client):
    job = client.submit(QUESTION, 3, None, None, [], api_name="/chat")
    outputs = list(job)
    assert len(outputs) >= 2
    assert "Searching the articles" in str(outputs[0][0][-1]["content"])
    assert "Kostyukov" in str(job.outputs()[-1][0][-1]["content"])


def test_chat_reports_bad_input_in_the_conversation(client):
    messages, _, _ = client.predict(QUESTION, 5, "2030-01-01", "2020-01-01", [], api_name="/chat")
    assert "after date_to" in str(messages[-1]["content"])
    assert 'class="answer done failed"' in str(messages[-1]["content"])
