"""The fixed opening of a schema-constrained JSON reply, prefilled for the local model."""

from __future__ import annotations

import json

from rag.answering.json_opening import json_opening, prefill_of, with_opening
from rag.answering.reader import _CHECK_FORMAT


def _format(properties: dict, required: list[str]) -> dict:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"type": "json_schema", "json_schema": {"name": "r", "schema": schema}}


def test_a_string_first_opens_its_quote_and_a_boolean_does_not():
    answer_first = _format(
        {"answer": {"type": "string"}, "passage": {"type": "integer"}}, ["answer", "passage"]
    )
    assert json_opening(answer_first) == '{"answer": "'
    assert json_opening(_CHECK_FORMAT) == '{"stated": '


def test_the_first_required_property_in_declaration_order_opens_the_reply():
    optional_first = _format({"note": {"type": "string"}, "n": {"type": "integer"}}, ["n"])
    assert json_opening(optional_first) == '{"n": '


def test_a_key_is_written_as_json_writes_it():
    quoted = _format({'say "hi"': {"type": "string"}}, ['say "hi"'])
    opening = json_opening(quoted)
    assert json.loads(opening[:-2] + '""}') == {'say "hi"': ""}


def test_no_schema_or_nothing_required_has_no_opening():
    assert json_opening(None) == ""
    assert json_opening({"type": "json_object"}) == ""
    assert json_opening(_format({"a": {"type": "string"}}, [])) == ""


def test_the_opening_becomes_the_assistant_turn_once():
    request = {
        "messages": [{"role": "user", "content": "q"}],
        "response_format": _format({"answer": {"type": "string"}}, ["answer"]),
    }
    prefilled = with_opening(request)
    assert prefilled["messages"][-1] == {"role": "assistant", "content": '{"answer": "'}
    assert request["messages"] == [{"role": "user", "content": "q"}]  # not changed in place
    assert with_opening(prefilled) == prefilled
    assert prefill_of(prefilled) == '{"answer": "' and prefill_of(request) == ""
    assert with_opening({"messages": request["messages"]})["messages"] == request["messages"]
