"""The LLM answerer: prompt, call the provider through litellm, check the citations.

Passages go to the model fenced as data; the answer comes back with ``[n]`` markers that
:func:`validate_answer` checks against the passages it was given. Any provider failure is a
:class:`~rag.errors.ProviderError`, so the caller can fall back to the extractive answerer.
litellm is imported on first use, never at ``import rag``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rag.errors import ConfigError, ProviderError
from rag.prompts import render_prompt
from rag.sentences import ABBREVIATIONS

if TYPE_CHECKING:
    from rag.settings import Settings
    from rag.types import Passage

log = logging.getLogger(__name__)

REFUSAL = "The articles don't say."
MAX_HISTORY_MESSAGES = 6
MAX_HISTORY_CHARS = 1500
REWRITE_MAX_TOKENS = 96

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


def _escape_text(text: str) -> str:
    """Neutralise tags so quoted text cannot close or open a fence."""
    return text.replace("<", "&lt;")


def _escape_attr(value: str) -> str:
    return " ".join(value.split()).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _defuse_markers(text: str) -> str:
    """``[2]`` in an article reads as a citation to the model: show it as ``(2)``."""
    return _MARKER.sub(lambda m: f"({m[0][1:-1].strip()})", text)


def format_passages(passages: list[Passage]) -> str:
    """The passages as numbered ``<passage>`` elements, their text escaped."""
    blocks = []
    for n, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        attrs = f'n="{n}" title="{_escape_attr(_defuse_markers(chunk.title))}"'
        if chunk.date:
            attrs += f' date="{_escape_attr(chunk.date)}"'
        text = _escape_text(_defuse_markers(chunk.text.strip()))
        blocks.append(f"<passage {attrs}>\n{text}\n</passage>")
    return "\n".join(blocks)


def format_history(history: list[dict] | None) -> str:
    """Recent turns as ``User: ...`` / ``Assistant: ...`` lines, markers and tags removed."""
    lines = []
    for message in (history or [])[-MAX_HISTORY_MESSAGES:]:
        role = str(message.get("role", "")).lower()
        content = message.get("content")
        if role not in ("user", "assistant") or not isinstance(content, str):
            continue
        # Old markers point at passages of an earlier turn; drop them so they are not reused.
        content = " ".join(_tidy(_MARKER.sub("", content)).split())
        if len(content) > MAX_HISTORY_CHARS:
            content = content[:MAX_HISTORY_CHARS].rstrip() + " …"
        if content:
            lines.append(f"{role.capitalize()}: {_escape_text(content)}")
    return "\n".join(lines)


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
        question=_escape_text(question.strip()),
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


# --------------------------------------------------------------------------- provider


def _litellm() -> Any:
    from rag.offline import apply_offline_env

    apply_offline_env()
    import litellm

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banner on errors
    return litellm


def _where(settings: Settings) -> str:
    base = settings.llm_api_base or "its default endpoint"
    base = re.sub(r"//[^/@]*@", "//", base)  # no user:password from the URL in messages
    return f"LLM {settings.llm_model} at {base}"


def _detail(exc: BaseException, settings: Settings) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    if key:
        text = text.replace(key, "***")
    return text[:200] + ("…" if len(text) > 200 else "")


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from (litellm re-wraps several times)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 20:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _provider_error(exc: BaseException, settings: Settings) -> ProviderError:
    """One line saying what failed and what to check; never the API key.

    litellm reports a refused connection and an unparsable body as HTTP 500, so the kind
    of failure is read from the chain of underlying exceptions first.
    """
    import openai

    where = _where(settings)
    chain = _causes(exc)
    status = getattr(exc, "status_code", None)
    if any(isinstance(e, openai.APITimeoutError | TimeoutError) for e in chain):
        msg = (
            f"{where} did not answer within {settings.llm_timeout_s:g}s; check the server "
            "is up, or raise llm_timeout_s (RAG_LLM_TIMEOUT_S)"
        )
    elif any(isinstance(e, json.JSONDecodeError) for e in chain):
        msg = (
            f"{where} sent a reply that is not valid JSON; check that llm_api_base "
            "(RAG_LLM_API_BASE) points at an OpenAI-compatible endpoint"
        )
    elif any(isinstance(e, openai.APIConnectionError | ConnectionError) for e in chain):
        msg = (
            f"{where} could not be reached ({_detail(chain[-1], settings)}); "
            "check llm_api_base (RAG_LLM_API_BASE) and that the server is running"
        )
    elif isinstance(exc, openai.AuthenticationError) or status in (401, 403):
        msg = (
            f"{where} refused the API key (HTTP {status or 401}); "
            "check llm_api_key (RAG_LLM_API_KEY)"
        )
    elif isinstance(exc, openai.NotFoundError) or status == 404:
        msg = (
            f"{where} does not know the model or path (HTTP 404); "
            "check llm_model (RAG_LLM_MODEL) and llm_api_base (RAG_LLM_API_BASE)"
        )
    elif isinstance(exc, openai.RateLimitError) or status == 429:
        msg = f"{where} is rate limiting requests (HTTP 429); wait and retry, or check the quota"
    elif isinstance(status, int) and status >= 400:
        msg = (
            f"{where} failed with HTTP {status} ({_detail(exc, settings)}); "
            "check the provider's status and logs"
        )
    else:
        msg = (
            f"{where} failed: {_detail(exc, settings)}; "
            "check llm_model, llm_api_base and the provider's logs"
        )
    return ProviderError(msg)


def _completion_kwargs(
    messages: list[dict], settings: Settings, stream: bool, max_tokens: int | None
) -> dict[str, Any]:
    if not settings.llm_model:
        raise ConfigError("no LLM model is set: set llm_model (RAG_LLM_MODEL) to use the LLM")
    kwargs: dict[str, Any] = {
        "model": settings.llm_model,
        "messages": messages,
        "timeout": settings.llm_timeout_s,
        "temperature": settings.llm_temperature,
        "max_tokens": max_tokens or settings.llm_max_tokens,
        "num_retries": 0,  # litellm passes this on as the openai client's max_retries
        "drop_params": True,  # a model that rejects e.g. temperature still answers
        "stream": stream,
    }
    if settings.llm_api_base:
        kwargs["api_base"] = settings.llm_api_base
    if settings.llm_api_key:
        kwargs["api_key"] = settings.llm_api_key.get_secret_value()
    return kwargs


def _response_text(response: Any, settings: Settings) -> str:
    try:
        choice = response.choices[0]
        content = choice.message.content
    except (AttributeError, IndexError, KeyError, TypeError) as exc:
        raise ProviderError(
            f"{_where(settings)} sent a reply without a message; "
            "check that llm_api_base points at an OpenAI-compatible chat endpoint"
        ) from exc
    if not isinstance(content, str) or not content.strip():
        reason = getattr(choice, "finish_reason", None)
        raise ProviderError(
            f"{_where(settings)} sent an empty answer (finish_reason={reason}); "
            "check the model and llm_max_tokens (RAG_LLM_MAX_TOKENS)"
        )
    return content


def _stream_text(response: Any, settings: Settings) -> Iterator[str]:
    got_text = False
    try:
        for chunk in response:
            try:
                delta = chunk.choices[0].delta.content
            except (AttributeError, IndexError, KeyError, TypeError):
                continue
            if delta:
                got_text = got_text or bool(delta.strip())
                yield delta
    except ProviderError:
        raise
    except Exception as exc:
        raise _provider_error(exc, settings) from exc
    finally:
        stream = getattr(response, "completion_stream", None)
        close = getattr(stream, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # closing a broken stream must not hide the real error
                log.debug("closing the LLM stream failed", exc_info=True)
    if not got_text:
        raise ProviderError(
            f"{_where(settings)} streamed an empty answer; "
            "check the model and llm_max_tokens (RAG_LLM_MAX_TOKENS)"
        )


def complete(
    messages: list[dict],
    settings: Settings,
    stream: bool = False,
    max_tokens: int | None = None,
) -> Any:
    """The model's reply to ``messages``: a string, or with ``stream`` an iterator of deltas.

    The request is sent before this returns, so a refused connection, timeout or HTTP error
    raises :class:`ProviderError` here; failures in the middle of a stream raise while
    iterating. A ConfigError means no model is configured.
    """
    kwargs = _completion_kwargs(messages, settings, stream, max_tokens)
    litellm = _litellm()
    try:
        response = litellm.completion(**kwargs)
    except Exception as exc:
        raise _provider_error(exc, settings) from exc
    if stream:
        return _stream_text(response, settings)
    return _response_text(response, settings)


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
            raise ProviderError(f"{_where(self._settings)}: the answer stream ended early")
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


# --------------------------------------------------------------------------- query rewriting


def _clean_query(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    query = re.sub(
        r"^(?:standalone\s+)?(?:search\s+)?query\s*:\s*", "", lines[0], flags=re.IGNORECASE
    )
    return " ".join(query.strip().strip("\"'“”‘’`").split())


def rewrite_query(question: str, history: list[dict], settings: Settings) -> str:
    """A standalone search query for a follow-up ``question``; the question itself when
    there is no history, no model, or the provider fails."""
    history_text = format_history(history)
    if not history_text or not settings.llm_model:
        return question
    prompt = render_prompt(
        "rewrite_query",
        settings.prompts_dir,
        history=history_text,
        question=_escape_text(question.strip()),
    )
    messages = [{"role": "user", "content": prompt.strip()}]
    try:
        text = complete(messages, settings, max_tokens=REWRITE_MAX_TOKENS)
    except ProviderError as exc:
        log.warning("query rewrite skipped: %s", exc)
        return question
    query = _clean_query(text)
    if not query or len(query) > max(300, 4 * len(question)):
        return question
    return query
