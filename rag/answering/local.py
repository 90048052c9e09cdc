"""The in-process local model: llama.cpp (xllamacpp) behind a litellm custom provider.

``llm_model = "local/<name>"`` goes through ``litellm.completion`` like any remote model; the
``local`` provider registered here hands the OpenAI-style request to one
``xllamacpp.Server`` per process, loaded lazily on first use. Requests queue for the model's
slots; one that finds the queue full, or would wait past ``local_wait_s``, raises
:class:`~rag.errors.ProviderBusyError` so the caller answers extractively instead.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.answering.json_opening import prefill_of, with_opening
from rag.errors import ModelFileError, ProviderBusyError, ProviderError

if TYPE_CHECKING:
    from rag.settings import Settings

log = logging.getLogger(__name__)

PROVIDER = "local"
# Request fields passed on to llama.cpp's OpenAI-compatible handler as they are.
_FORWARDED = ("temperature", "max_tokens", "top_p", "seed", "stop", "response_format")


def is_local(model: str | None) -> bool:
    """Whether ``model`` names the in-process provider (``local/...``)."""
    return bool(model) and str(model).startswith(f"{PROVIDER}/")


@dataclass(frozen=True)
class LocalConfig:
    """What decides which model instance serves a request (one instance per distinct key)."""

    model_file: Path
    threads: int
    context_tokens: int
    parallel: int
    queue_max: int
    wait_s: float


_resolved: dict[tuple, Path | ModelFileError] = {}
_resolved_lock = threading.Lock()


def resolve_model_file(settings: Settings) -> Path:
    """The GGUF file for ``settings.llm_model``: ``local_model_path``, or a packaged model.

    Resolved once per process, failures included: a corrupt model is not hashed again for
    every question (restart the process after fixing it).
    """
    from rag.answering.model_files import gguf_file, packaged_model_file

    name = str(settings.llm_model).split("/", 1)[1]
    key = (name, settings.local_model_path, settings.local_model_dir)
    with _resolved_lock:
        if key not in _resolved:
            try:
                if settings.local_model_path:
                    _resolved[key] = gguf_file(settings.local_model_path)
                else:
                    _resolved[key] = packaged_model_file(name, settings.local_model_dir)
            except ModelFileError as exc:
                log.warning("%s", exc)
                _resolved[key] = exc
        found = _resolved[key]
    if isinstance(found, ModelFileError):
        raise found
    return found


def local_config(settings: Settings) -> LocalConfig:
    """The runtime settings of the local model (threads 0: one per core)."""
    return LocalConfig(
        model_file=resolve_model_file(settings),
        threads=settings.local_threads or os.cpu_count() or 1,
        context_tokens=settings.local_context_tokens,
        parallel=settings.local_parallel,
        queue_max=settings.local_queue_max,
        wait_s=settings.local_wait_s,
    )


class LocalRuntime:
    """One loaded model and the queue in front of its slots."""

    def __init__(self, config: LocalConfig) -> None:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(config.model_file)
        params.n_ctx = config.context_tokens * config.parallel  # llama.cpp splits it per slot
        params.n_parallel = config.parallel
        params.cache_prompt = True  # reuse the KV cache of a shared prompt prefix
        params.verbosity = -1  # llama.cpp logs every request to stderr otherwise
        for cpu in (params.cpuparams, params.cpuparams_batch):
            cpu.n_threads = config.threads
        started = time.perf_counter()
        try:
            self._server = xllamacpp.Server(params)
        except Exception as exc:
            raise ModelFileError(
                f"local model {config.model_file} failed to load ({exc}); check that it is a "
                "GGUF model llama.cpp supports"
            ) from exc
        self.load_s = time.perf_counter() - started
        self.config = config
        self._slots = threading.BoundedSemaphore(config.parallel)
        self._waiting = 0
        self._waiting_lock = threading.Lock()

    def _acquire(self, wait_s: float | None = None) -> None:
        with self._waiting_lock:
            if self._waiting >= self.config.queue_max:
                raise ProviderBusyError(
                    f"the local model's queue is full ({self.config.queue_max} waiting); "
                    "raise local_queue_max (RAG_LOCAL_QUEUE_MAX) or local_parallel"
                )
            self._waiting += 1
        try:
            wait = self.config.wait_s if wait_s is None else wait_s
            if not self._slots.acquire(timeout=wait):
                raise ProviderBusyError(
                    f"the local model was busy for over {wait:g}s; raise "
                    "local_wait_s (RAG_LOCAL_WAIT_S) or local_parallel"
                )
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    def chat(
        self,
        request: dict[str, Any],
        wait_s: float | None = None,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        """The OpenAI-style completion of ``request``. Waits for a free slot (``wait_s``, by
        default ``local_wait_s``); past ``timeout_s`` from the call, waiting included,
        generation stops and raises."""
        chunks: list[dict[str, Any]] = []
        deadline = _deadline(timeout_s)  # counts the wait in the queue too
        self._acquire(wait_s)
        try:
            stopped = self._generate(request, chunks.append, lambda: _past(deadline))
        finally:
            self._slots.release()
        if stopped:
            raise _timeout_error(timeout_s)
        return _assembled(chunks)

    def chat_stream(
        self, request: dict[str, Any], timeout_s: float | None = None
    ) -> Iterator[dict[str, Any]]:
        """OpenAI-style chunks of ``request``'s completion, as llama.cpp produces them.

        Closing the iterator (a client that went away) stops generation at the next token
        and frees the slot; so does ``timeout_s``, which then raises.
        """
        deadline = _deadline(timeout_s)  # counts the wait in the queue too
        self._acquire()
        chunks: queue.Queue[Any] = queue.Queue()
        done = object()
        closed = threading.Event()

        def stop() -> bool:
            return closed.is_set() or _past(deadline)

        def run() -> None:
            try:
                if self._generate(request, chunks.put, stop) and not closed.is_set():
                    chunks.put(_timeout_error(timeout_s))
            except Exception as exc:  # handed to the reading thread
                chunks.put(exc)
            finally:
                self._slots.release()
                chunks.put(done)

        threading.Thread(target=run, name="local-llm-stream", daemon=True).start()
        try:
            while True:
                item = chunks.get()
                if item is done:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            closed.set()

    def _generate(
        self,
        request: dict[str, Any],
        take: Callable[[dict[str, Any]], None],
        stop: Callable[[], bool],
    ) -> bool:
        """Stream ``request`` through llama.cpp, handing each chunk to ``take``; llama.cpp
        stops at the next token once ``stop()`` is true (its callback returning True).
        Returns whether it was stopped so, before the reply's end."""
        failure: list[Any] = []
        stopped: list[bool] = []
        # llama.cpp streams only what follows an assistant prefill; put it back in front, so
        # a streamed reply reads whole like a non-streamed one (which includes it).
        prefilled = prefill_of(request)
        prefill = [_content_chunk(prefilled)] if prefilled else []  # taken before chunk one

        def on_chunk(chunk: Any) -> bool:
            if isinstance(chunk, dict) and "error" in chunk:
                failure.append(chunk)
                return True
            if prefill:
                take(prefill.pop())
            take(chunk)
            if stop():
                stopped.append(True)
                return True
            return False

        streamed = dict(request, stream=True, stream_options={"include_usage": True})
        reply = self._server.handle_chat_completions(streamed, on_chunk)
        if isinstance(reply, dict) and "error" in reply:
            failure.append(reply)
        if failure:
            raise ProviderError(f"the local model failed: {_error_text(failure[0])}")
        return bool(stopped)


def _content_chunk(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


def _deadline(timeout_s: float | None) -> float | None:
    return time.monotonic() + timeout_s if timeout_s else None


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


def _timeout_error(timeout_s: float | None) -> ProviderError:
    return ProviderBusyError(
        f"the local model took over {timeout_s:g}s; raise llm_timeout_s (RAG_LLM_TIMEOUT_S) "
        "or use fewer passages"
    )


def _assembled(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """One OpenAI-style completion from llama.cpp's stream chunks (text, usage, timings)."""
    text: list[str] = []
    finish = None
    reply: dict[str, Any] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            text.append((choice.get("delta") or {}).get("content") or "")
            finish = choice.get("finish_reason") or finish
        for key in ("id", "created", "usage", "timings"):
            if chunk.get(key):
                reply[key] = chunk[key]
    message = {"role": "assistant", "content": "".join(text)}
    reply["choices"] = [{"index": 0, "message": message, "finish_reason": finish or "stop"}]
    return reply


def _error_text(reply: Any) -> str:
    if isinstance(reply, dict) and isinstance(reply.get("error"), dict):
        return str(reply["error"].get("message", reply["error"]))[:200]
    return str(reply)[:200]


_runtimes: dict[LocalConfig, LocalRuntime] = {}
_runtimes_lock = threading.Lock()


def runtime(config: LocalConfig) -> LocalRuntime:
    """The process's model instance for ``config``, loaded on first use."""
    with _runtimes_lock:
        if config not in _runtimes:
            _runtimes[config] = LocalRuntime(config)
        return _runtimes[config]


def loaded_runtimes() -> list[LocalRuntime]:
    """The model instances this process has loaded."""
    with _runtimes_lock:
        return list(_runtimes.values())


# --------------------------------------------------------------------------- litellm provider


def _request(messages: list, optional_params: dict) -> dict[str, Any]:
    """The llama.cpp request: the forwarded fields, a JSON reply's fixed opening prefilled."""
    request: dict[str, Any] = {"messages": messages}
    for key in _FORWARDED:
        if optional_params.get(key) is not None:
            request[key] = optional_params[key]
    return with_opening(request)


def _config_from(optional_params: dict) -> LocalConfig:
    config = optional_params.get("local_config")
    if not isinstance(config, LocalConfig):
        raise ProviderError(
            "the local provider needs its LocalConfig: call it through rag (rag.answering.llm)"
        )
    return config


_custom_llm_class: type | None = None


def _provider_class() -> type:
    """The litellm ``CustomLLM`` subclass, made on first use so litellm loads lazily."""
    global _custom_llm_class
    if _custom_llm_class is not None:
        return _custom_llm_class
    from litellm import CustomLLM
    from litellm.types.utils import ModelResponse

    class LocalLLM(CustomLLM):
        """litellm's view of the in-process model: completion and streaming."""

        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            optional_params = kwargs.get("optional_params") or {}
            reply = runtime(_config_from(optional_params)).chat(
                _request(messages, optional_params),
                optional_params.get("local_wait_s"),
                optional_params.get("local_timeout_s"),
            )
            return ModelResponse(**_response_fields(reply, model))

        def streaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Iterator:
            optional_params = kwargs.get("optional_params") or {}
            chunks = runtime(_config_from(optional_params)).chat_stream(
                _request(messages, optional_params), optional_params.get("local_timeout_s")
            )
            return _generic_chunks(chunks)

    _custom_llm_class = LocalLLM
    return LocalLLM


def _response_fields(reply: dict[str, Any], model: str) -> dict[str, Any]:
    fields = {k: reply[k] for k in ("id", "choices", "created", "usage") if k in reply}
    fields["model"] = model
    fields["timings"] = reply.get("timings") or {}  # llama.cpp's own ms, read by Reply
    return fields


def _generic_chunks(chunks: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """llama.cpp's OpenAI chunks as litellm's ``GenericStreamingChunk`` dicts."""
    for chunk in chunks:
        choice = (chunk.get("choices") or [{}])[0]
        text = (choice.get("delta") or {}).get("content") or ""
        finish = choice.get("finish_reason")
        usage = chunk.get("usage")
        yield {
            "text": text,
            "is_finished": finish is not None,
            "finish_reason": finish or "",
            "usage": usage,
            "index": 0,
            "tool_use": None,
            "provider_specific_fields": {"timings": chunk.get("timings")}
            if chunk.get("timings")
            else None,
        }


def register(litellm: Any) -> None:
    """Register the ``local`` provider with litellm (once per process)."""
    if any(item.get("provider") == PROVIDER for item in litellm.custom_provider_map):
        return
    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": PROVIDER, "custom_handler": _provider_class()()},
    ]
    from litellm.utils import custom_llm_setup

    custom_llm_setup()


def local_extra_kwargs(settings: Settings) -> dict[str, Any]:
    """The litellm ``completion`` kwargs that route a request to the in-process model."""
    return {"local_config": local_config(settings), "local_timeout_s": settings.llm_timeout_s}


def check_local_model(settings: Settings, warn: Callable[[str], None] | None = None) -> str | None:
    """Load the local model now; the one-line reason when it cannot be used, else None."""
    try:
        runtime(local_config(settings))
    except ProviderError as exc:
        if warn:
            warn(str(exc))
        return str(exc)
    return None
