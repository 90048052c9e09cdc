"""The LLM reader: numbered evidence in, ``{"answer": "...", "passage": n}`` out.

The answer comes first so that a streamed reply shows its first word after four to six
tokens of JSON instead of eleven (~0.3 s sooner on 2 cores); the order was measured on every
set (docs/evaluation.md, "A smaller prompt, the answer first"). The local provider goes
further and prefills that opening (``json_opening.py``), so its first token is the answer's.

The reply is constrained to that JSON schema where the provider supports it (the local
model always does); a provider that ignores the schema and writes prose with ``[n]``
markers is read too. Nothing here decides whether the answer is true: that is
:mod:`rag.answering.verify`'s job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answering.evidence import Evidence
from rag.answering.llm import (
    Reply,
    complete_reply,
    escape_attr,
    escape_text,
    format_history,
    stream_reply,
)
from rag.prompts import render_prompt

if TYPE_CHECKING:
    from rag.settings import Settings

READER_MAX_TOKENS = 96  # a short answer and a passage number; bounds a runaway reply
CHECK_MAX_TOKENS = 12  # {"stated": true}
# How the re-ask names the kind of answer the question asks for (extractive.expected_type).
ANSWER_KIND_WORDS = {
    "person": "a person's or group's name",
    "place": "a place's name",
    "number": "a number",
    "time": "a time or date",
    "clock": "a time of day",
}
_CHECK_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "stated",
        "schema": {
            "type": "object",
            "properties": {"stated": {"type": "boolean"}},
            "required": ["stated"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
_MARKER = re.compile(r"\[(\d{1,3})\]")
_ANSWER_KEY = re.compile(r'"answer"\s*:\s*"')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True)
class ReaderReply:
    """What the model said: the passage it read the answer from (0: not stated) and the answer."""

    passage: int
    answer: str
    raw: str
    reply: Reply | None = None
    messages: tuple[dict, ...] = ()  # what the model was asked, for a follow-up check

    @property
    def is_refusal(self) -> bool:
        """The model found no excerpt that states the answer."""
        return self.passage == 0 or not self.answer.strip()


def format_excerpts(evidence: Evidence) -> str:
    """Each evidence block as ``[n] Title (date)`` and its sentences, gaps shown as ``…``."""
    lines = []
    for block in evidence.blocks:
        chunk = block.passage.chunk
        header = f"[{block.n}] {escape_attr(chunk.title)}"
        if chunk.date:
            header += f" ({chunk.date})"
        spans = sorted(block.spans, key=lambda s: s.start)
        parts: list[str] = []
        previous_end = None
        for span, text in zip(spans, block.texts(), strict=True):
            if previous_end is not None and span.start - previous_end > 2:
                parts.append("…")
            parts.append(escape_text(_MARKER.sub(r"(\1)", " ".join(text.split()))))
            previous_end = span.end
        lines.append(header + "\n" + " ".join(parts))
    return "\n\n".join(lines)


def reply_schema(evidence: Evidence) -> dict:
    """The JSON schema of the reply: a passage number that exists (or 0) and an answer."""
    numbers = [0, *[b.n for b in evidence.blocks]]
    return {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "passage": {"type": "integer", "enum": numbers},
        },
        "required": ["answer", "passage"],
        "additionalProperties": False,
    }


def build_reader_messages(
    question: str, evidence: Evidence, history: list[dict] | None, settings: Settings
) -> list[dict]:
    """The system prompt (the same for every question, so its KV cache is reused) and the
    user message with the excerpts and the question."""
    history_text = format_history(history)
    history_block = f"<history>\n{history_text}\n</history>\n\n" if history_text else ""
    system = render_prompt("reader_system", settings.prompts_dir)
    user = render_prompt(
        "reader_user",
        settings.prompts_dir,
        history=history_block,
        excerpts=format_excerpts(evidence),
        question=escape_text(" ".join(question.split())),
    )
    return [
        {"role": "system", "content": system.strip()},
        {"role": "user", "content": user.strip()},
    ]


def prefill_system_prompt(settings: Settings) -> Reply:
    """Have the model read the system prompt once (one token written), so its KV cache is
    warm: the first question then reads only its own excerpts. Measured on 2 cores: the first
    answer after start took 11.1 s cold and 4.6 s after this (docs/benchmarks.md)."""
    system = render_prompt("reader_system", settings.prompts_dir).strip()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": "."}]
    return complete_reply(messages, settings, max_tokens=1)


def _response_format(evidence: Evidence) -> dict:
    return {
        "type": "json_schema",
        "json_schema": {"name": "cited_answer", "schema": reply_schema(evidence), "strict": True},
    }


def parse_reply(text: str, reply: Reply | None = None) -> ReaderReply:
    """Read the model's reply: the JSON object, else prose with ``[n]`` markers."""
    raw = text or ""
    start, end = raw.find("{"), raw.rfind("}")
    if start != -1 and end > start:
        try:
            data = json.loads(raw[start : end + 1])
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            try:
                passage = int(data.get("passage") or 0)
            except (TypeError, ValueError):
                passage = 0
            answer = data.get("answer")
            return ReaderReply(
                passage, answer.strip() if isinstance(answer, str) else "", raw, reply
            )
    marker = _MARKER.search(raw)
    answer = " ".join(_MARKER.sub(" ", raw).split())
    return ReaderReply(int(marker.group(1)) if marker else 0, answer, raw, reply)


def read(
    question: str, evidence: Evidence, history: list[dict] | None, settings: Settings
) -> ReaderReply:
    """Ask the model; ProviderError when the provider fails."""
    return _ask(build_reader_messages(question, evidence, history, settings), evidence, settings)


def _ask(messages: list[dict], evidence: Evidence, settings: Settings) -> ReaderReply:
    reply = complete_reply(
        messages,
        settings,
        max_tokens=READER_MAX_TOKENS,
        response_format=_response_format(evidence),
    )
    return dataclasses.replace(parse_reply(reply.text, reply), messages=tuple(messages))


def _next_turn(reading: ReaderReply, prompt: str) -> list[dict]:
    """The conversation so far, the model's reply and a new user turn: the KV cache holds
    everything before the new turn."""
    return [
        *reading.messages,
        {"role": "assistant", "content": reading.raw},
        {"role": "user", "content": prompt.strip()},
    ]


class ReaderStream:
    """The answer string's characters as the model writes them; ``finish()`` parses the reply.

    The reply is JSON, so only what is inside ``"answer": "…"`` is passed on: a reader sees
    words, never braces.
    """

    def __init__(self, deltas: Iterator[str], reply: Reply, messages: list[dict]) -> None:
        self._deltas = deltas
        self._reply = reply
        self._messages = tuple(messages)
        self._raw: list[str] = []

    def __iter__(self) -> Iterator[str]:
        shown = 0
        for delta in self._deltas:
            self._raw.append(delta)
            answer = _partial_answer("".join(self._raw))
            if answer is not None and len(answer) > shown:
                yield answer[shown:]
                shown = len(answer)

    def finish(self) -> ReaderReply:
        """The parsed reply (after the stream is consumed)."""
        for _ in self:
            pass
        self._reply.text = "".join(self._raw)
        return dataclasses.replace(
            parse_reply(self._reply.text, self._reply), messages=self._messages
        )


def _partial_answer(raw: str) -> str | None:
    """The decoded characters of the answer string written so far, or None before it starts."""
    match = _ANSWER_KEY.search(raw)
    if not match:
        return None
    out: list[str] = []
    i = match.end()
    while i < len(raw):
        ch = raw[i]
        if ch == '"':
            break
        if ch == "\\":
            if i + 1 >= len(raw):
                break
            nxt = raw[i + 1]
            if nxt == "u":
                if i + 6 > len(raw):
                    break
                with contextlib.suppress(ValueError):
                    out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def read_stream(
    question: str, evidence: Evidence, history: list[dict] | None, settings: Settings
) -> ReaderStream:
    """Start a streamed reading; connection and HTTP errors raise ProviderError here."""
    messages = build_reader_messages(question, evidence, history, settings)
    deltas, reply = stream_reply(
        messages,
        settings,
        max_tokens=READER_MAX_TOKENS,
        response_format=_response_format(evidence),
    )
    return ReaderStream(deltas, reply, messages)


def confirm(reading: ReaderReply, claim: str, sentence: str, settings: Settings) -> bool:
    """Ask the model whether ``sentence`` states ``claim`` as the answer: one more turn of
    the same conversation, so its KV cache is reused and only the check is new."""
    prompt = render_prompt(
        "reader_check",
        settings.prompts_dir,
        sentence=escape_text(" ".join(sentence.split())),
        answer=escape_text(claim),
    )
    reply = complete_reply(
        _next_turn(reading, prompt),
        settings,
        max_tokens=CHECK_MAX_TOKENS,
        response_format=_CHECK_FORMAT,
    )
    try:
        stated = json.loads(reply.text[reply.text.find("{") :]).get("stated")
    except (json.JSONDecodeError, AttributeError):
        stated = "true" in reply.text.lower()
    return bool(stated)


def reask(
    reading: ReaderReply, evidence: Evidence, settings: Settings, kind: str | None = None
) -> ReaderReply:
    """Ask once more, in the same conversation, after an answer that only repeated the
    question's words or, given ``kind`` (an answer type of ``extractive.expected_type``), one
    that is not of the kind the question asks for; the excerpts are already in the KV cache,
    so only the new turn is read."""
    answer = escape_text(reading.answer)
    if kind is None:
        prompt = render_prompt("reader_reask", settings.prompts_dir, answer=answer)
    else:
        what = ANSWER_KIND_WORDS.get(kind, kind)
        prompt = render_prompt("reader_reask_kind", settings.prompts_dir, answer=answer, kind=what)
    return _ask(_next_turn(reading, prompt), evidence, settings)
