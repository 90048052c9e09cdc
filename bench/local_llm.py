"""Answer latency with the local model, and the service's overhead over a bare llama.cpp call.

    RAG_LOCAL_THREADS=2 .venv/bin/python -m bench.local_llm --json out.json
    RAG_LOCAL_THREADS=1 .venv/bin/python -m bench.local_llm --limit 4     # a smoke run

Indexes the seed articles into a temp folder (or uses ``--index-dir``) and asks the questions
of ``tests/eval/seeds.jsonl`` (with their history) at top-k 5, with the settings of the
environment (``RAG_*``; no ``rag.toml``), so ``RAG_LOCAL_THREADS`` and friends apply.

Pass 1, per question: the service's non-streamed answer (``prepare`` + ``answer_prepared``,
exactly what ``RagService.answer`` runs), and a bare ``xllamacpp.Server.handle_chat_completions``
of the same request on a second model instance with identical parameters (so neither side
reads the other's KV or RAM prompt cache), the order alternating per question. The bare
request is rebuilt the way the reader builds it (``build_reader_messages`` + the reader's
JSON schema) and compared with the request the service actually handed to llama.cpp. The
overhead ratio is the service's answer stage (``timings_ms["answer"]``: evidence, the
litellm call, verification) over the bare call's wall time, per question.

Pass 2, on a freshly loaded model (so no prompt is served from pass 1's cache): the streamed
answer, timing the ``Preview`` and the first text delta after it from the call.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import REPO, load, machine, percentiles

SEEDS_DIR = REPO / "seeds"
QUESTIONS = REPO / "tests" / "eval" / "seeds.jsonl"
WARM_UP = "What did the officials say after the talks?"


def _settings(index_dir: Path, top_k: int):
    """The environment's RAG_* settings (no config file), on ``index_dir``."""
    from rag.settings import load_settings

    return load_settings(config_file=Path(os.devnull), index_dir=index_dir, top_k=top_k)


def _questions(limit: int | None, types: list[str] | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    if types:
        rows = [r for r in rows if r.get("type") in types]
    return rows[:limit] if limit else rows


class ChatSpy:
    """Records every request the service hands to llama.cpp (and the call's wall time)."""

    def __init__(self) -> None:
        from rag.answering import local

        self.calls: list[tuple[dict[str, Any], float, dict[str, Any]]] = []
        self._original = local.LocalRuntime.chat
        spy = self

        def chat(runtime: Any, request: dict[str, Any], *args: Any) -> dict[str, Any]:
            started = time.perf_counter()
            reply: Any = None
            try:
                reply = spy._original(runtime, request, *args)
                return reply
            finally:
                ms = (time.perf_counter() - started) * 1000
                spy.calls.append((dict(request), ms, _llama_figures(reply)))

        local.LocalRuntime.chat = chat  # type: ignore[method-assign]

    def take(self) -> list[tuple[dict[str, Any], float, dict[str, Any]]]:
        calls, self.calls = self.calls, []
        return calls


def reader_request(corpus: Any, prepared: Any, settings: Any) -> dict[str, Any] | None:
    """The llama.cpp request the evidence reader makes for ``prepared`` (None: no evidence,
    no call), with the local provider's prefilled JSON opening."""
    from rag.answering import reader
    from rag.answering.json_opening import with_opening
    from rag.answering.pipeline import _evidence

    evidence = _evidence(corpus, prepared)
    if not evidence.blocks:
        return None
    messages = reader.build_reader_messages(prepared.question, evidence, prepared.history, settings)
    return with_opening(
        {
            "messages": messages,
            "temperature": settings.llm_temperature,
            "max_tokens": reader.READER_MAX_TOKENS,
            "response_format": reader._response_format(evidence),
        }
    )


def _llama_figures(reply: Any) -> dict[str, Any]:
    """llama.cpp's own account of a call: tokens read, cached and written, and its times."""
    if not isinstance(reply, dict):
        return {}
    timings = reply.get("timings") or {}
    usage = reply.get("usage") or {}
    return {
        "prompt_tokens": usage.get("prompt_tokens"),
        "completion_tokens": usage.get("completion_tokens"),
        "cache_n": timings.get("cache_n"),
        "prompt_ms": timings.get("prompt_ms"),
        "predicted_ms": timings.get("predicted_ms"),
    }


def _bare(server: Any, request: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    reply = server.handle_chat_completions(dict(request, stream=False))
    return (time.perf_counter() - started) * 1000, reply


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = set(a) | set(b)
    return all(a.get(k) == b.get(k) for k in keys - {"stream"})


def timed_service_answer(
    service: Any, spy: ChatSpy, question: dict, top_k: int, request: dict | None
) -> dict[str, Any]:
    """What ``RagService.answer`` runs (``prepare`` + ``answer_prepared``), timed."""
    from rag.answering.pipeline import answer_prepared, prepare

    started = time.perf_counter()
    prepared = prepare(service.corpus, question["question"], question.get("history"), top_k, None)
    answer = answer_prepared(service.corpus, prepared)
    row: dict[str, Any] = {
        "latency_ms": (time.perf_counter() - started) * 1000,
        "timings": dict(answer.timings_ms),
        "model": answer.model,
        "notice": answer.notice,
        "abstained": answer.abstained,
    }
    calls = spy.take()
    row["llm_calls"] = len(calls)
    if calls:
        sent, call_ms, figures = calls[-1]
        row["provider_call_ms"] = call_ms
        row["service_llama"] = figures
        row["same_request"] = request is not None and _same(sent, request)
    return row


def timed_bare_call(server: Any, request: dict | None) -> dict[str, Any]:
    """The bare llama.cpp call of ``request``, timed, with its token counts."""
    if request is None:
        return {}
    ms, reply = _bare(server, request)
    figures = _llama_figures(reply)
    return {
        "bare_ms": ms,
        "bare_prompt_tokens": figures.get("prompt_tokens"),
        "bare_model_ms": float(figures.get("prompt_ms") or 0)
        + float(figures.get("predicted_ms") or 0),
        "bare_cached_tokens": figures.get("cache_n"),
        "bare_llama": figures,
    }


@contextlib.contextmanager
def routed_to(runtime: Any, config: Any) -> Iterator[None]:
    """Send the process's local-model calls for ``config`` to ``runtime`` for a while."""
    from rag.answering import local

    with local._runtimes_lock:
        own = local._runtimes[config]
        local._runtimes[config] = runtime
    try:
        yield
    finally:
        with local._runtimes_lock:
            local._runtimes[config] = own


def answer_pass(service: Any, questions: list[dict], top_k: int) -> list[dict[str, Any]]:
    """Service answer and bare call per question, alternating which goes first."""
    from rag.answering.local import LocalRuntime, local_config
    from rag.answering.pipeline import answer_prepared, prepare

    settings, corpus = service.settings, service.corpus
    spy = ChatSpy()
    config = local_config(settings)
    bare_runtime = LocalRuntime(config)  # a second instance, same params
    bare = bare_runtime._server

    # Warm-up: both instances see the system prompt once.
    prepared = prepare(corpus, WARM_UP, None, top_k, None)
    answer_prepared(corpus, prepared)
    warm = reader_request(corpus, prepared, settings)
    if warm:
        _bare(bare, warm)
    spy.take()

    rows = []
    for i, q in enumerate(questions):
        # Untimed: retrieve once to rebuild the reader's request. A follow-up's LLM rewrite
        # then runs on the bare instance, so the service meets it uncached, as in use, and
        # the bare instance has seen the same prompts before the reader's.
        with routed_to(bare_runtime, config):
            prepared = prepare(corpus, q["question"], q.get("history"), top_k, None)
        spy.take()
        request = reader_request(corpus, prepared, settings)
        row: dict[str, Any] = {
            "id": q["id"],
            "order": "service-first" if i % 2 == 0 else "bare-first",
        }
        if i % 2 == 0:
            row.update(timed_service_answer(service, spy, q, top_k, request))
            row.update(timed_bare_call(bare, request))
        else:
            row.update(timed_bare_call(bare, request))
            row.update(timed_service_answer(service, spy, q, top_k, request))
        if row.get("bare_ms") and row.get("llm_calls") and not row.get("notice"):
            row["ratio"] = row["timings"]["answer"] / row["bare_ms"]
        print(_row_line(row), flush=True)
        rows.append(row)
    return rows


def stream_pass(service: Any, questions: list[dict], top_k: int) -> list[dict[str, Any]]:
    """Streamed answers on a freshly loaded model: time to the preview and the first delta."""
    from rag.answering import local
    from rag.types import Answer, Preview

    with local._runtimes_lock:  # reload the model: pass 1's prompts must not be cached
        local._runtimes.clear()
    service.check_answerer()
    for _ in service.answer_stream(WARM_UP, top_k=top_k):
        pass
    rows = []
    for q in questions:
        row: dict[str, Any] = {"id": q["id"]}
        started = time.perf_counter()
        seen_preview = False
        for item in service.answer_stream(q["question"], q.get("history"), top_k=top_k):
            now = (time.perf_counter() - started) * 1000
            if isinstance(item, Preview):
                row["preview_ms"], seen_preview = now, True
            elif isinstance(item, str) and seen_preview and "first_delta_ms" not in row:
                row["first_delta_ms"] = now
            elif isinstance(item, Answer):
                row["total_ms"] = now
                row["model"], row["notice"] = item.model, item.notice
        print(
            f"  stream {row['id']}: preview {_ms(row.get('preview_ms'))}, first delta "
            f"{_ms(row.get('first_delta_ms'))}, end {_ms(row.get('total_ms'))}",
            flush=True,
        )
        rows.append(row)
    return rows


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _row_line(row: dict[str, Any]) -> str:
    t = row.get("timings", {})
    ratio = row.get("ratio")
    return (
        f"  {row['id']} ({row['order']}): answer {_ms(row.get('latency_ms'))} "
        f"(stage {_ms(t.get('answer'))}, model {_ms(t.get('model'))}, prompt "
        f"{t.get('prompt_tokens', '-')} tok, cached {t.get('cached_tokens', '-')}); bare "
        f"{_ms(row.get('bare_ms'))}; ratio {'-' if ratio is None else f'{ratio:.3f}'}"
        + _llama_line(row.get("service_llama"), row.get("bare_llama"))
        + (f"; notice: {row['notice'][:80]}" if row.get("notice") else "")
    )


def _llama_line(service: dict | None, bare: dict | None) -> str:
    """llama.cpp's prefill / generation ms and tokens written, service vs bare."""
    if not service or not bare:
        return ""
    return (
        f"; llama.cpp service/bare: prefill {_ms(service.get('prompt_ms'))}/"
        f"{_ms(bare.get('prompt_ms'))}, generation {_ms(service.get('predicted_ms'))}/"
        f"{_ms(bare.get('predicted_ms'))}, {service.get('completion_tokens')}/"
        f"{bare.get('completion_tokens')} tokens"
    )


def _stats(values: list[float]) -> dict[str, float] | None:
    return {k: round(v, 1) for k, v in percentiles(values).items()} if values else None


def _llama(rows: list[dict], side: str, key: str) -> list[float]:
    return [r[side][key] for r in rows if (r.get(side) or {}).get(key) is not None]


def _count(rows: list[dict], holds: Any) -> str:
    return f"{sum(1 for r in rows if holds(r))}/{len(rows)}"


def _same_completion(row: dict) -> bool:
    service, bare = row.get("service_llama") or {}, row.get("bare_llama") or {}
    return service.get("completion_tokens") == bare.get("completion_tokens") is not None


def summarise(rows: list[dict], streams: list[dict]) -> dict[str, Any]:
    """Percentiles of every figure, over the questions where it exists."""
    by_model = [r for r in rows if r.get("llm_calls") and not r.get("notice")]
    ratios = [r["ratio"] for r in rows if r.get("ratio") is not None]
    prompt = [r["timings"]["prompt_tokens"] for r in by_model if "prompt_tokens" in r["timings"]]
    cached = [r["timings"]["cached_tokens"] for r in by_model if "cached_tokens" in r["timings"]]
    stage = [r["timings"]["answer"] for r in by_model]
    bare = [r["bare_ms"] for r in by_model if r.get("bare_ms")]
    compared = [r for r in by_model if "same_request" in r]
    return {
        "questions": len(rows),
        "answered_by_model": len(by_model),
        "no_llm_call": sum(1 for r in rows if not r.get("llm_calls")),
        "fallbacks": sum(1 for r in rows if r.get("notice")),
        "same_request": f"{sum(r['same_request'] for r in compared)}/{len(compared)}",
        "same_prompt_tokens": _count(
            by_model, lambda r: r.get("bare_prompt_tokens") == r["timings"].get("prompt_tokens")
        ),
        "latency_ms": _stats([r["latency_ms"] for r in rows]),
        "latency_model_answers_ms": _stats([r["latency_ms"] for r in by_model]),
        "answer_stage_ms": _stats(stage),
        "model_ms": _stats([r["timings"]["model"] for r in by_model if "model" in r["timings"]]),
        "provider_call_ms": _stats([r["provider_call_ms"] for r in by_model]),
        "outside_call_ms": _stats(
            [r["timings"]["answer"] - r["provider_call_ms"] for r in by_model]
        ),
        "call_over_model_ms": _stats(
            [
                r["provider_call_ms"] - r["timings"]["model"]
                for r in by_model
                if "model" in r["timings"]
            ]
        ),
        "bare_ms": _stats(bare),
        "prompt_tokens": _stats(prompt),
        "same_completion_tokens": _count(by_model, _same_completion),
        "prefill_ms_service": _stats(_llama(by_model, "service_llama", "prompt_ms")),
        "prefill_ms_bare": _stats(_llama(by_model, "bare_llama", "prompt_ms")),
        "generation_ms_service": _stats(_llama(by_model, "service_llama", "predicted_ms")),
        "generation_ms_bare": _stats(_llama(by_model, "bare_llama", "predicted_ms")),
        "cached_tokens": _stats(cached),
        "ratio_p50": round(statistics.median(ratios), 3) if ratios else None,
        "ratio_mean": round(statistics.fmean(ratios), 3) if ratios else None,
        "ratio_of_sums": round(sum(stage) / sum(bare), 3)
        if bare and len(bare) == len(stage)
        else None,
        "stream_preview_ms": _stats([s["preview_ms"] for s in streams if "preview_ms" in s]),
        "stream_first_delta_ms": _stats(
            [s["first_delta_ms"] for s in streams if "first_delta_ms" in s]
        ),
        "stream_total_ms": _stats([s["total_ms"] for s in streams if "total_ms" in s]),
        "stream_without_delta": sum(1 for s in streams if "first_delta_ms" not in s),
    }


def report(result: dict[str, Any]) -> None:
    s = result["summary"]
    print()
    print(
        f"machine: {result['machine']}; 1-min load {result['load_start']} -> {result['load_end']}"
    )
    print(
        f"model {result['llm_model']}, llama.cpp threads {result['threads']}, parallel "
        f"{result['parallel']}, top-k {result['top_k']}; {result['seconds']:.0f} s in all"
    )
    print(
        f"{s['questions']} questions: {s['answered_by_model']} answered by the model, "
        f"{s['no_llm_call']} without a model call (no evidence), {s['fallbacks']} fallbacks; "
        f"bare request identical to the service's: {s['same_request']}, same prompt tokens: "
        f"{s['same_prompt_tokens']}, same tokens written: {s['same_completion_tokens']}"
    )
    print(f"{'figure':<38} {'p50':>9} {'p95':>9} {'mean':>9} {'max':>9}")
    for key, label in [
        ("latency_ms", "answer latency, ms (all)"),
        ("latency_model_answers_ms", "answer latency, ms (model's)"),
        ("answer_stage_ms", "answer stage, ms"),
        ("provider_call_ms", "  of it the llama.cpp call, ms"),
        ("model_ms", "  of it llama.cpp's own, ms"),
        ("outside_call_ms", "  outside the call (evidence...), ms"),
        ("call_over_model_ms", "  call minus llama.cpp's own, ms"),
        ("bare_ms", "bare xllamacpp call, ms"),
        ("prefill_ms_service", "llama.cpp prefill, service, ms"),
        ("prefill_ms_bare", "llama.cpp prefill, bare, ms"),
        ("generation_ms_service", "llama.cpp generation, service, ms"),
        ("generation_ms_bare", "llama.cpp generation, bare, ms"),
        ("prompt_tokens", "prompt tokens"),
        ("cached_tokens", "cached tokens"),
        ("stream_preview_ms", "stream: preview, ms"),
        ("stream_first_delta_ms", "stream: first text delta, ms"),
        ("stream_total_ms", "stream: final answer, ms"),
    ]:
        v = s.get(key)
        if v:
            print(
                f"{label:<38} {v['p50']:>9.1f} {v['p95']:>9.1f} {v['mean']:>9.1f} {v['max']:>9.1f}"
            )
    print(
        f"overhead ratio (answer stage / bare call): p50 {s['ratio_p50']}, mean "
        f"{s['ratio_mean']}, of sums {s['ratio_of_sums']}"
    )
    if s["stream_without_delta"]:
        print(f"streams without a text delta (refused or fell back): {s['stream_without_delta']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, help="an index of the seeds (default: tmp)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument(
        "--types", nargs="+", metavar="TYPE", help="only questions of these types (follow-up …)"
    )
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--no-stream", action="store_true", help="skip the streaming pass")
    parser.add_argument("--json", type=Path, help="write the figures and every row here")
    args = parser.parse_args(argv)

    from rag.answering.local import is_local, local_config
    from rag.facade import RagService

    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine(), "load_start": load(), "top_k": args.top_k}
    with tempfile.TemporaryDirectory(prefix="rag-bench-llm-") as tmp:
        index_dir = args.index_dir or Path(tmp) / "index"
        settings = _settings(index_dir, args.top_k)
        if not is_local(settings.generator):
            raise SystemExit(
                f"the answerer is {settings.generator or 'extractive'}, not a local model: "
                "unset RAG_ANSWERER / RAG_LLM_MODEL or set them to the local model"
            )
        service = RagService(settings)
        if args.index_dir is None:
            print(f"indexing the seed articles into {index_dir} …", flush=True)
            service.index([SEEDS_DIR])
        problem = service.check_answerer()
        if problem:
            raise SystemExit(problem)
        config = local_config(settings)
        result.update(
            llm_model=settings.llm_model, threads=config.threads, parallel=config.parallel
        )
        print(
            f"{settings.llm_model}: {config.threads} llama.cpp threads (RAG_LOCAL_THREADS="
            f"{os.environ.get('RAG_LOCAL_THREADS', 'unset')}); load {load()}",
            flush=True,
        )
        questions = _questions(args.limit, args.types)
        rows = answer_pass(service, questions, args.top_k)
        streams = [] if args.no_stream else stream_pass(service, questions, args.top_k)
    result["load_end"] = load()
    result["seconds"] = time.perf_counter() - started
    result["summary"] = summarise(rows, streams)
    report(result)
    if args.json:
        result["rows"], result["streams"] = rows, streams
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
