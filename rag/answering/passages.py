"""The passages prompt: whole passages in, free text with ``[n]`` markers out.

Passages go to the model fenced as data; the answer comes back with ``[n]`` markers that
:func:`validate_answer` checks against the passages it was given (then every sentence is
verified, rag/answering/verify.py). The default reader is rag/answering/reader.py; this one
is ``llm_reader = "passages"``, for models that write good prose but ignore JSON schemas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rag.answering.llm import complete, escape_attr, escape_text, format_history, where
from rag.errors import ProviderError
from rag.prompts import render_prompt
from rag.sentences import ABBREVIATIONS

if TYPE_CHECKING:
    from rag.settings import Settings
    from rag.types import Passage

REFUSAL = "The articles don't say."

# A citation group: [3], [1, 2], [1-3], [2; 4], [1 and 2], [Passage 2]. Up to 4 digits each,
# so "[2024]" is read as an (invalid) marker rather than left as noise.
_NUM = r"\d{1,4}"
_ITEM = rf"{_NUM}(?:\s*[-–—]\s*{_NUM})?"
_MARKER = re.compile(
    rf"\[\s*(?:passages?\s*)?({_ITEM}(?:\s*(?:,|;|and|&)\s*{_ITEM})*)\s*\]", re.IGNORECASE
)
_CLEAN_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_RUN = re.compile(r"\[\d+\](?:[ \t]*\[\d+\])+")
_MAX_RANGE = 50
_APOLOGY = re.compile(r"^(?:(?:i'm|i am)\s+)?(?:sorry|unfortunately|apologies)\s+(?:but\s+)?")

# A sentence end: punctuation, closing quotes, then any markers written after the stop.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)]*(?:[ \t]*\[\d+\])*(?=\s|$)")
_ABBREVIATIONS = ABBREVIATIONS | frozenset("u.s u.k u.n e.g i.e a.m p.m".split())


@dataclass
class ValidatedAnswer:
    """An LLM answer after its citation markers were checked against the passages.

    ``text`` keeps only markers that name a passage, each written ``[n]``; ``used`` lists the
    passage numbers (1-based) in order of first use.
    """

    text: str
    used: list[int] = field(default_factory=list)
    invalid_markers: int = 0
    uncited_sentences: list[str] = field(default_factory=list)
    is_refusal: bool = False
    raw: str = ""


# --------------------------------------------------------------------------- messages


def _defuse_markers(text: str) -> str:
    """``[2]`` in an article reads as a citation to the model: show it as ``(2)``."""
    return _MARKER.sub(lambda m: f"({m[0][1:-1].strip()})", text)


def format_passages(passages: list[Passage]) -> str:
    """The passages as numbered ``<passage>`` elements, their text escaped."""
    blocks = []
    for n, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        attrs = f'n="{n}" title="{escape_attr(_defuse_markers(chunk.title))}"'
        if chunk.date:
            attrs += f' date="{escape_attr(chunk.date)}"'
        text = escape_text(_defuse_markers(chunk.text.strip()))
        blocks.append(f"<passage {attrs}>\n{text}\n</passage>")
    return "\n".join(blocks)


def build_messages(
    question: str,
    passages: list[Passage],
    history: list[dict] | None,
    settings: Settings,
    refusal: str = REFUSAL,
) -> list[dict]:
    """The system and user messages asking for a cited answer from ``passages``."""
    history_text = format_history(history)
    history_block = f"<history>\n{history_text}\n</history>\n\n" if history_text else ""
    system = render_prompt("answer_system", settings.prompts_dir, refusal=refusal)
    user = render_prompt(
        "answer_user",
        settings.prompts_dir,
        history=history_block,
        passages=format_passages(passages),
        question=escape_text(question.strip()),
        refusal=refusal,
    )
    return [
        {"role": "system", "content": system.strip()},
        {"role": "user", "content": user.strip()},
    ]


# --------------------------------------------------------------------------- validation


def _group_numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for item in re.split(r"\s*(?:,|;|and|&)\s*", group, flags=re.IGNORECASE):
        bounds = [int(x) for x in re.findall(r"\d+", item)]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= _MAX_RANGE:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


def _tidy(text: str) -> str:
    """Collapse the spaces left where markers were removed or rewritten."""
    text = _MARKER_RUN.sub(lambda m: "".join(dict.fromkeys(re.findall(r"\[\d+\]", m[0]))), text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([.,;:!?)])", r"\1", text)
    text = re.sub(r"\( +", "(", text)
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer; markers written after the full stop stay with their sentence."""
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in _SENTENCE_END.finditer(line):
            rest = line[match.end() :].lstrip()
            has_markers = "[" in match[0]
            word = line[start : match.start()].split()[-1:] or [""]
            word = word[0].lstrip("\"'“‘(").lower()
            is_abbreviation = match[0] == "." and (len(word) == 1 or word in _ABBREVIATIONS)
            if rest and not has_markers and (is_abbreviation or rest[0].islower()):
                continue
            sentences.append(line[start : match.end()].strip())
            start = match.end()
        sentences.append(line[start:].strip())
    return [s for s in sentences if s]


def _plain(text: str) -> str:
    text = _MARKER.sub(" ", text).replace("’", "'").lower()
    return " ".join(re.sub(r"[^\w' ]+", " ", text).split())


def validate_answer(text: str, n_passages: int, refusal: str = REFUSAL) -> ValidatedAnswer:
    """Check the ``[n]`` markers of ``text`` against ``n_passages`` numbered passages.

    Markers naming no passage are removed (and counted); ``[1, 2]`` and ``[1-2]`` are
    rewritten ``[1][2]``. A reply that is, or only apologises around, ``refusal`` counts
    as a refusal and comes back as exactly ``refusal``.
    """
    used: dict[int, None] = {}
    invalid = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal invalid
        valid: dict[int, None] = {}
        for n in _group_numbers(match[1]):
            if 1 <= n <= n_passages:
                valid[n] = None
                used.setdefault(n, None)
            else:
                invalid += 1
        return "".join(f"[{n}]" for n in valid)

    cleaned = _tidy(_MARKER.sub(rewrite, text or ""))
    plain, wanted = _APOLOGY.sub("", _plain(cleaned)), _plain(refusal)
    if wanted and (plain == wanted or (not used and wanted in plain)):
        return ValidatedAnswer(refusal, [], invalid, [], True, text)
    uncited = [s for s in split_sentences(cleaned) if not _CLEAN_MARKER.search(s)]
    return ValidatedAnswer(cleaned, list(used), invalid, uncited, False, text)


def _require_citations(result: ValidatedAnswer, settings: Settings) -> ValidatedAnswer:
    if not result.is_refusal and not result.used:
        raise ProviderError(
            f"LLM {settings.llm_model} answered without citing any passage; "
            "check that the model follows the answer prompt (prompts/answer_system.md)"
        )
    return result


# --------------------------------------------------------------------------- answering


def llm_answer(
    question: str,
    passages: list[Passage],
    history: list[dict] | None,
    settings: Settings,
    refusal: str = REFUSAL,
) -> ValidatedAnswer:
    """A cited answer from the LLM; ProviderError when it fails or cites nothing."""
    messages = build_messages(question, passages, history, settings, refusal)
    text = complete(messages, settings)
    return _require_citations(validate_answer(text, len(passages), refusal), settings)


class AnswerStream:
    """Text deltas of an LLM answer; once iterated to the end, ``result`` holds the check.

    ``for delta in stream: ...`` yields the raw text as it arrives; the end of the loop
    validates the whole answer into ``result`` and raises ProviderError (after setting
    ``result``) when it cites no passage. Show ``result.text`` in place of the streamed
    text at the end: invalid markers are gone from it.
    """

    def __init__(
        self, deltas: Iterator[str], n_passages: int, settings: Settings, refusal: str = REFUSAL
    ) -> None:
        self._deltas = deltas
        self._n_passages = n_passages
        self._settings = settings
        self._refusal = refusal
        self._parts: list[str] = []
        self._started = False
        self.result: ValidatedAnswer | None = None

    @property
    def text(self) -> str:
        """The raw text received so far."""
        return "".join(self._parts)

    def __iter__(self) -> Iterator[str]:
        if self._started:
            raise RuntimeError("an AnswerStream can be iterated only once")
        self._started = True
        return self._run()

    def _run(self) -> Iterator[str]:
        for delta in self._deltas:
            self._parts.append(delta)
            yield delta
        self.result = validate_answer(self.text, self._n_passages, self._refusal)
        _require_citations(self.result, self._settings)

    def finish(self) -> ValidatedAnswer:
        """Consume any remaining deltas and return the validated answer."""
        if not self._started:
            for _ in self:
                pass
        if self.result is None:
            raise ProviderError(f"{where(self._settings)}: the answer stream ended early")
        return self.result


def llm_answer_stream(
    question: str,
    passages: list[Passage],
    history: list[dict] | None,
    settings: Settings,
    refusal: str = REFUSAL,
) -> AnswerStream:
    """Start a streamed answer; connection and HTTP errors raise ProviderError right here."""
    messages = build_messages(question, passages, history, settings, refusal)
    deltas = complete(messages, settings, stream=True)
    return AnswerStream(deltas, len(passages), settings, refusal)
