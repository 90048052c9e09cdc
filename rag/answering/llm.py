"""Calling the LLM through litellm: one code path for local and remote models.

:func:`complete_reply` and :func:`stream_reply` send chat messages to ``settings.llm_model``
(``local/...`` is served in-process, rag/answering/local.py) and return the text with its
token counts; any provider failure is one :class:`~rag.errors.ProviderError` line that says
what to check, so the caller can fall back to the extractive answerer. litellm is imported
on first use, never at ``import rag``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rag.answering.local import is_local, local_extra_kwargs
from rag.answering.local import register as register_local_provider
from rag.errors import ConfigError, ProviderError

if TYPE_CHECKING:
    from rag.settings import Settings

log = logging.getLogger(__name__)
_SPACE_BEFORE_STOP = re.compile(r" +([.,;:!?)])")

MAX_HISTORY_MESSAGES = 6
MAX_HISTORY_CHARS = 1500
# Citation markers of an earlier answer ([3], [1, 2], [Passage 2]) are dropped from history.
HISTORY_MARKER = re.compile(r"\[\s*(?:passages?\s*)?\d{1,4}(?:\s*[-–—,;&]\s*\d{1,4})*\s*\]", re.I)


# --------------------------------------------------------------------------- messages


def escape_text(text: str) -> str:
    """Neutralise tags so quoted text cannot close or open a fence."""
    return text.replace("<", "&lt;")


def escape_attr(value: str) -> str:
    return " ".join(value.split()).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def format_history(history: list[dict] | None) -> str:
    """Recent turns as ``User: ...`` / ``Assistant: ...`` lines, markers and tags removed."""
    lines = []
    for message in (history or [])[-MAX_HISTORY_MESSAGES:]:
        role = str(message.get("role", "")).lower()
        content = message.get("content")
        if role not in ("user", "assistant") or not isinstance(content, str):
            continue
        # Old markers point at passages of an earlier turn; drop them so they are not reused.
        content = _SPACE_BEFORE_STOP.sub(r"\1", " ".join(HISTORY_MARKER.sub("", content).split()))
        if len(content) > MAX_HISTORY_CHARS:
            content = content[:MAX_HISTORY_CHARS].rstrip() + " …"
        if content:
            lines.append(f"{role.capitalize()}: {escape_text(content)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- provider


def _litellm() -> Any:
    from rag.offline import apply_offline_env

    apply_offline_env()
    import litellm

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banner on errors
    register_local_provider(litellm)
    return litellm


def where(settings: Settings) -> str:
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

    chain = _causes(exc)
    ours = [e for e in chain if isinstance(e, ProviderError)]
    if ours:  # raised by the local provider inside litellm: already one clear line
        return ours[0]
    at = where(settings)
    status = getattr(exc, "status_code", None)
    if any(isinstance(e, openai.APITimeoutError | TimeoutError) for e in chain):
        msg = (
            f"{at} did not answer within {settings.llm_timeout_s:g}s; check the server "
            "is up, or raise llm_timeout_s (RAG_LLM_TIMEOUT_S)"
        )
    elif any(isinstance(e, json.JSONDecodeError) for e in chain):
        msg = (
            f"{at} sent a reply that is not valid JSON; check that llm_api_base "
            "(RAG_LLM_API_BASE) points at an OpenAI-compatible endpoint"
        )
    elif any(isinstance(e, openai.APIConnectionError | ConnectionError) for e in chain):
        msg = (
            f"{at} could not be reached ({_detail(chain[-1], settings)}); "
            "check llm_api_base (RAG_LLM_API_BASE) and that the server is running"
        )
    elif isinstance(exc, openai.AuthenticationError) or status in (401, 403):
        msg = (
            f"{at} refused the API key (HTTP {status or 401}); check llm_api_key (RAG_LLM_API_KEY)"
        )
    elif isinstance(exc, openai.NotFoundError) or status == 404:
        msg = (
            f"{at} does not know the model or path (HTTP 404); "
            "check llm_model (RAG_LLM_MODEL) and llm_api_base (RAG_LLM_API_BASE)"
        )
    elif isinstance(exc, openai.RateLimitError) or status == 429:
        msg = f"{at} is rate limiting requests (HTTP 429); wait and retry, or check the quota"
    elif isinstance(status, int) and status >= 400:
        msg = (
            f"{at} failed with HTTP {status} ({_detail(exc, settings)}); "
            "check the provider's status and logs"
        )
    else:
        msg = (
            f"{at} failed: {_detail(exc, settings)}; "
            "check llm_model, llm_api_base and the provider's logs"
        )
    return ProviderError(msg)


def _completion_kwargs(
    messages: list[dict],
    settings: Settings,
    stream: bool,
    max_tokens: int | None,
    response_format: dict | None = None,
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
    if response_format is not None:
        kwargs["response_format"] = response_format
    if is_local(settings.llm_model):
        kwargs.update(local_extra_kwargs(settings))
    elif settings.llm_api_base:
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
            f"{where(settings)} sent a reply without a message; "
            "check that llm_api_base points at an OpenAI-compatible chat endpoint"
        ) from exc
    if not isinstance(content, str) or not content.strip():
        reason = getattr(choice, "finish_reason", None)
        raise ProviderError(
            f"{where(settings)} sent an empty answer (finish_reason={reason}); "
            "check the model and llm_max_tokens (RAG_LLM_MAX_TOKENS)"
        )
    return content


def _stream_text(response: Any, settings: Settings, reply: Reply | None = None) -> Iterator[str]:
    got_text = False
    try:
        for chunk in response:
            if reply is not None:
                reply.take_usage(chunk)
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
            f"{where(settings)} streamed an empty answer; "
            "check the model and llm_max_tokens (RAG_LLM_MAX_TOKENS)"
        )


@dataclass
class Reply:
    """A model's reply and what it cost: tokens read (of them, from the KV cache) and written,
    and the model's own time where the provider reports it."""

    text: str = ""
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    completion_tokens: int | None = None
    model_ms: float | None = None

    def timings(self) -> dict[str, float]:
        """The known figures, for ``Answer.timings_ms``."""
        figures = {
            "prompt_tokens": self.prompt_tokens,
            "cached_tokens": self.cached_tokens,
            "completion_tokens": self.completion_tokens,
            "model": self.model_ms,
        }
        return {k: round(float(v), 2) for k, v in figures.items() if v is not None}

    def plus(self, other: Reply) -> Reply:
        """Both calls' costs (the text is ``other``'s): a second turn adds its tokens and time."""

        def add(a: float | None, b: float | None) -> float | None:
            return None if a is None and b is None else (a or 0) + (b or 0)

        return Reply(
            other.text,
            add(self.prompt_tokens, other.prompt_tokens),
            add(self.cached_tokens, other.cached_tokens),
            add(self.completion_tokens, other.completion_tokens),
            add(self.model_ms, other.model_ms),
        )

    def take_usage(self, response: Any) -> None:
        """Read usage and llama.cpp timings off a litellm response or final stream chunk."""
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.prompt_tokens = getattr(usage, "prompt_tokens", self.prompt_tokens)
            self.completion_tokens = getattr(usage, "completion_tokens", self.completion_tokens)
            details = getattr(usage, "prompt_tokens_details", None)
            cached = getattr(details, "cached_tokens", None) if details is not None else None
            self.cached_tokens = cached if cached is not None else self.cached_tokens
        timings = getattr(response, "timings", None)
        if isinstance(timings, dict) and timings:
            self.model_ms = float(timings.get("prompt_ms", 0.0)) + float(
                timings.get("predicted_ms", 0.0)
            )
            self.cached_tokens = timings.get("cache_n", self.cached_tokens)


def complete_reply(
    messages: list[dict],
    settings: Settings,
    max_tokens: int | None = None,
    response_format: dict | None = None,
) -> Reply:
    """The model's reply to ``messages`` with its token counts; ProviderError on failure."""
    kwargs = _completion_kwargs(messages, settings, False, max_tokens, response_format)
    litellm = _litellm()
    try:
        response = litellm.completion(**kwargs)
    except Exception as exc:
        raise _provider_error(exc, settings) from exc
    reply = Reply(_response_text(response, settings))
    reply.take_usage(response)
    return reply


def stream_reply(
    messages: list[dict],
    settings: Settings,
    max_tokens: int | None = None,
    response_format: dict | None = None,
) -> tuple[Iterator[str], Reply]:
    """Text deltas of the reply, and a :class:`Reply` whose counts fill in as it ends."""
    kwargs = _completion_kwargs(messages, settings, True, max_tokens, response_format)
    kwargs["stream_options"] = {"include_usage": True}
    litellm = _litellm()
    try:
        response = litellm.completion(**kwargs)
    except Exception as exc:
        raise _provider_error(exc, settings) from exc
    reply = Reply()
    return _stream_text(response, settings, reply), reply


def complete(
    messages: list[dict],
    settings: Settings,
    stream: bool = False,
    max_tokens: int | None = None,
    response_format: dict | None = None,
    local_wait_s: float | None = None,
) -> Any:
    """The model's reply to ``messages``: a string, or with ``stream`` an iterator of deltas.

    The request is sent before this returns, so a refused connection, timeout or HTTP error
    raises :class:`ProviderError` here; failures in the middle of a stream raise while
    iterating. A ConfigError means no model is configured.
    """
    kwargs = _completion_kwargs(messages, settings, stream, max_tokens, response_format)
    if local_wait_s is not None and is_local(settings.llm_model):
        kwargs["local_wait_s"] = local_wait_s  # how long this call may queue for the model
    litellm = _litellm()
    try:
        response = litellm.completion(**kwargs)
    except Exception as exc:
        raise _provider_error(exc, settings) from exc
    if stream:
        return _stream_text(response, settings)
    return _response_text(response, settings)
