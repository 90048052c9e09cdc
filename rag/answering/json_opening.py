"""The opening every reply to a JSON schema must write, handed to llama.cpp as a prefill.

A schema-constrained reply such as ``{"answer": "…", "passage": 2}`` starts with text the
grammar leaves no real choice over: ``{``, the first required key, ``:`` and, for a string,
its opening quote. A 1.5B model on two cores spends ~60 ms a token writing it (four to six
tokens, more when it picks a newline and indent) before the first word of the answer. Given
as the start of the assistant turn, llama.cpp reads those tokens with the prompt instead
(~20 ms each) and feeds them to the grammar, so the reply and its constraint are the same
and the answer's first token comes sooner.
"""

from __future__ import annotations

import json
from typing import Any


def json_opening(response_format: dict[str, Any] | None) -> str:
    """The fixed start of any reply to ``response_format`` (``""`` when there is none).

    For a ``json_schema`` object with required properties it is ``{"<key>": `` of the first
    required one in declaration order (the order llama.cpp's grammar writes them), plus the
    opening quote when that property is a string.
    """
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return ""
    schema = (response_format.get("json_schema") or {}).get("schema") or {}
    properties = schema.get("properties")
    required = schema.get("required") or []
    if schema.get("type") != "object" or not isinstance(properties, dict):
        return ""
    first = next((key for key in properties if key in required), None)
    if first is None:
        return ""
    opening = "{" + json.dumps(first) + ": "
    if (properties[first] or {}).get("type") == "string":
        opening += '"'
    return opening


def with_opening(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` with its schema's opening as the assistant turn's start, if it has one.

    A request that already ends with an assistant turn is left as it is (it has a prefill).
    """
    opening = json_opening(request.get("response_format"))
    if not opening or _assistant_turn(request) is not None:
        return request
    messages = [*(request.get("messages") or []), {"role": "assistant", "content": opening}]
    return dict(request, messages=messages)


def prefill_of(request: dict[str, Any]) -> str:
    """The text a request's trailing assistant turn already holds (``""`` if none)."""
    turn = _assistant_turn(request)
    return str(turn.get("content") or "") if turn is not None else ""


def _assistant_turn(request: dict[str, Any]) -> dict[str, Any] | None:
    """The request's last message when it is the assistant's (a prefill), else None."""
    messages = request.get("messages") or []
    if messages and messages[-1].get("role") == "assistant":
        return messages[-1]
    return None
