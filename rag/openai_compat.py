"""The OpenAI chat-completions shapes, so any OpenAI client can ask the articles.

The last user message is the question and the messages before it are the history. Answers
carry two extra top-level fields: ``citations`` (the cited passages) and ``rag`` (the whole
answer contract, :meth:`rag.types.Answer.to_dict`). In a stream they ride on the final chunk,
and the content is the verified answer alone: an OpenAI client cannot take back text it was
sent, so the model's unverified tokens are not streamed here (``/api/answer/stream`` has them).
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.errors import InputError
from rag.settings import MAX_TOP_K
from rag.types import Answer

MODEL_ID = "rag"
OWNER = "rag"


class ChatMessage(BaseModel):
    """One message; ``content`` may be a string or a list of OpenAI content parts."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None


class FiltersIn(BaseModel):
    """Limits on what may be retrieved (all optional; dates are YYYY-MM-DD, inclusive)."""

    model_config = ConfigDict(extra="forbid")

    doc_ids: list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    as_of: str | None = None  # the date relative times ("this week") count back from; today


class ChatRequest(BaseModel):
    """``POST /v1/chat/completions``. Unknown OpenAI options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, strict=True)
    filters: FiltersIn | None = None


def message_text(message: ChatMessage) -> str:
    """The text of a message (text parts joined; images and other parts dropped)."""
    if isinstance(message.content, str):
        return message.content
    parts = message.content or []
    return "\n".join(
        str(p.get("text", "")) for p in parts if isinstance(p, dict) and p.get("type") == "text"
    )


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """(question, history): the last user message, and the user/assistant turns before it."""
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last_user is None:
        raise InputError('messages must contain a {"role": "user"} message with the question')
    history = [
        {"role": m.role, "content": message_text(m)}
        for m in messages[:last_user]
        if m.role in {"user", "assistant"}
    ]
    return message_text(messages[last_user]), history


def _ids() -> tuple[str, int]:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())


def completion(answer: Answer, model: str) -> dict[str, Any]:
    """A ``chat.completion`` object for a finished answer."""
    completion_id, created = _ids()
    contract = answer.to_dict()
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.answer},
                "finish_reason": "stop",
            }
        ],
        "usage": usage(answer),
        "citations": contract["citations"],
        "rag": contract,
    }


def usage(answer: Answer) -> dict[str, int]:
    """The model's token counts for the answer (0 when no model was called: the extractive
    answerer, a refusal before the model)."""
    prompt = int(answer.timings_ms.get("prompt_tokens", 0))
    written = int(answer.timings_ms.get("completion_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": written, "total_tokens": prompt + written}


class ChunkWriter:
    """Builds the ``chat.completion.chunk`` objects of one streamed answer."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.id, self.created = _ids()

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def role(self) -> dict[str, Any]:
        """The opening chunk."""
        return self._chunk({"role": "assistant", "content": ""})

    def delta(self, text: str) -> dict[str, Any]:
        """A piece of answer text."""
        return self._chunk({"content": text})

    def final(self, answer: Answer, streamed: str) -> dict[str, Any]:
        """The closing chunk with the citations and the contract.

        When the final answer differs from what was streamed (a refusal, or the extractive
        fallback after a provider error) the closing chunk carries the difference, or the
        contract's ``answer`` is the text to trust.
        """
        contract = answer.to_dict()
        tail = answer.answer[len(streamed) :] if answer.answer.startswith(streamed) else ""
        chunk = self._chunk({"content": tail} if tail else {}, finish="stop")
        chunk["citations"] = contract["citations"]
        chunk["usage"] = usage(answer)
        chunk["rag"] = contract
        return chunk


def models(created: int = 0) -> dict[str, Any]:
    """``GET /v1/models``: the one model this server offers."""
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": created, "owned_by": OWNER}],
    }
