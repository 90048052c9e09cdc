"""Load test: N concurrent clients against ``POST /api/answer`` of a real ``rag serve``.

    .venv/bin/python -m bench.load --clients 32 --seconds 60
    .venv/bin/python -m bench.load --clients 32 --seconds 30 --index-during

Without ``--url`` it indexes the seed articles into a temp folder (or uses ``--index-dir``),
starts ``rag serve`` on a free loopback port as a subprocess and stops it at the end. The
clients (threads, one keep-alive connection each) send a fixed mix: answerable questions,
unanswerable ones, follow-ups with history, and bad inputs that must get 400/413 (counted
as expected errors). Any other status, a malformed 200 or a timeout is an unexpected error.

A warm-up phase runs first; latency and throughput are those of the measured phase. The
server's RSS (``VmRSS``) is read at start, after the warm-up and at the end.
``--index-during`` runs ``rag index`` of generated articles into the same index folder in
another process while the measured phase runs (the phase lasts until it has finished).

The server answers with whatever the settings choose: by default the local model. Its RAG_*
environment is the caller's (RAG_LOCAL_THREADS, RAG_LOCAL_QUEUE_MAX, RAG_LOCAL_WAIT_S,
RAG_ANSWERER …; the index and port come from the flags, no ./rag.toml is read), or
``--answerer extractive``. Each 200 answer is counted by who wrote it (``outcome``): the model,
the extractive fallback because the model's queue was full or the wait too long (``busy``,
with a notice), another model failure, or the extractive answerer without a model call.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO, load, machine
from bench.processes import (
    free_port,
    rag_index,
    rag_settings_env,
    start_chroma,
    start_server,
    stop_process,
    store_flags,
)

SEEDS = REPO / "seeds"
REQUEST_TIMEOUT_S = 60.0
RSS_EVERY_S = 10.0  # the server's RSS is sampled this often during a phase
HARD_LIMIT_S = 900.0  # no phase runs longer than this, whatever the flags say

ANSWERABLE = [
    "Who led Russia's delegation in Abu Dhabi?",
    "What attack came before the Abu Dhabi talks?",
    "Where did Kerry and Lavrov meet?",
    "How many Russian troops were at the Ukraine border?",
    "Who attended the conference in Paris?",
    "What did Lavrov say about war?",
]
UNANSWERABLE = [
    "What is the boiling point of mercury?",
    "Who won the 1998 football World Cup?",
    "How do I bake sourdough bread?",
]
FOLLOW_UPS = [
    (
        "Who led Russia's delegation in Abu Dhabi?",
        "Russia will be represented by military intelligence chief Igor Kostyukov. [1]",
        "And who led Ukraine's?",
    ),
    (
        "Where did Kerry and Lavrov meet?",
        "They met in Paris. [1]",
        "What did they discuss there?",
    ),
]
# (body, expected status): bad inputs the API must refuse.
BAD = [
    ({"question": "   "}, 400),
    ({"question": "Who met?", "top_k": 0}, 400),
    ({"question": "Who met?", "colour": "red"}, 400),
    ({"question": "Who met?", "filters": {"date_from": "last week"}}, 400),
    ({"question": "Who met?", "history": [{"role": "user"}]}, 400),
    ({"question": "x" * 2001}, 413),
]


def pick(rng: random.Random) -> tuple[str, dict[str, Any], int]:
    """One request of the mix: (kind, body, expected status)."""
    roll = rng.random()
    if roll < 0.40:
        return "answerable", {"question": rng.choice(ANSWERABLE)}, 200
    if roll < 0.60:
        return "unanswerable", {"question": rng.choice(UNANSWERABLE)}, 200
    if roll < 0.85:
        first, reply, follow = rng.choice(FOLLOW_UPS)
        history = [{"role": "user", "content": first}, {"role": "assistant", "content": reply}]
        return "follow_up", {"question": follow, "history": history}, 200
    body, status = rng.choice(BAD)
    return "bad_input", body, status


@dataclass
class Sample:
    kind: str
    started: float  # monotonic
    ms: float
    status: int  # 0: no response
    ok: bool
    detail: str = ""
    outcome: str = ""  # of a 200 answer: see ``outcome``


@dataclass
class Phase:
    """What the clients did in one phase, and the server's RSS every few seconds."""

    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    rss_trace: list[tuple[float, float]] = field(default_factory=list)  # (s, MiB)

    @property
    def unexpected(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]


def outcome(body: dict[str, Any]) -> str:
    """Who wrote a 200 answer: ``model`` (the LLM, verified), ``busy`` (extractive because the
    model's queue was full or the wait too long), ``failed`` (extractive after another model
    failure), or ``extractive`` (no model call: the extractive answerer, or nothing to read)."""
    notice = body.get("notice") or ""
    if body.get("model") not in (None, "", "extractive"):
        return "model"
    if not notice:
        return "extractive"
    return "busy" if "busy" in notice or "queue is full" in notice else "failed"


def _check(kind: str, expected: int, response: httpx.Response) -> tuple[bool, str, str]:
    if response.status_code != expected:
        said = response.text[:300]
        return False, f"{kind}: HTTP {response.status_code} (expected {expected}): {said}", ""
    body = response.json()
    if expected == 200:
        if not isinstance(body.get("answer"), str) or "citations" not in body:
            return False, f"{kind}: 200 without an answer", ""
        return True, "", outcome(body)
    if not body.get("error", {}).get("code") or not body["error"].get("message"):
        return False, f"{kind}: HTTP {response.status_code} without an error code and message", ""
    return True, "", ""


def client_loop(
    url: str,
    seed: int,
    stop: threading.Event,
    deadline: float,
    max_requests: int,
    out: list,
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> None:
    """One client: requests back to back until ``stop``, the deadline or ``max_requests``."""
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=timeout_s) as client:
        for _ in range(max_requests):
            if stop.is_set() or time.monotonic() >= deadline:
                return
            kind, body, expected = pick(rng)
            started = time.monotonic()
            t0 = time.perf_counter()
            try:
                response = client.post("/api/answer", json=body)
                ms = (time.perf_counter() - t0) * 1000
                ok, detail, who = _check(kind, expected, response)
                out.append(Sample(kind, started, ms, response.status_code, ok, detail, who))
            except (httpx.HTTPError, ValueError) as exc:
                ms = (time.perf_counter() - t0) * 1000
                out.append(Sample(kind, started, ms, 0, False, f"{kind}: {exc!r}"))


def run_phase(
    url: str,
    clients: int,
    seconds: float,
    max_requests: int,
    until: Any = None,
    seed: int = 0,
    pid: int | None = None,
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> Phase:
    """Run ``clients`` threads for ``seconds`` (and, if given, until ``until()`` is true)."""
    stop = threading.Event()
    started = time.monotonic()
    deadline = started + HARD_LIMIT_S
    results: list[list[Sample]] = [[] for _ in range(clients)]
    threads = [
        threading.Thread(
            target=client_loop,
            args=(url, seed + i, stop, deadline, max_requests, results[i], timeout_s),
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    trace: list[tuple[float, float]] = []
    next_rss = started
    while time.monotonic() < deadline:
        if pid is not None and time.monotonic() >= next_rss:
            rss = rss_mib(pid)
            if rss is not None:
                trace.append((round(time.monotonic() - started, 1), round(rss)))
            next_rss += RSS_EVERY_S
        done = until is None or until()  # called every turn, so it can note when it came true
        if done and time.monotonic() - started >= seconds:
            break
        if not any(t.is_alive() for t in threads):
            break
        time.sleep(0.1)
    stop.set()
    ended = time.monotonic()
    for thread in threads:
        thread.join(timeout=timeout_s + 5)
    return Phase(ended - started, [s for part in results for s in part], trace)


def rss_mib(pid: int | None) -> float | None:
    """``VmRSS`` of a process in MiB (None when unknown)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def quantile(ordered: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def summary(phase: Phase) -> dict[str, Any]:
    """Throughput, latency percentiles and error counts of a phase."""
    ms = sorted(s.ms for s in phase.samples)
    kinds = Counter(s.kind for s in phase.samples)
    expected_errors = sum(1 for s in phase.samples if s.ok and s.status >= 400)
    answered = [s for s in phase.samples if s.outcome]
    outcomes = Counter(s.outcome for s in answered)
    by_outcome = {}
    for who in sorted(outcomes):
        times = sorted(s.ms for s in answered if s.outcome == who)
        by_outcome[who] = {
            "answers": len(times),
            "share": round(len(times) / len(answered), 3),
            "p50_ms": round(quantile(times, 0.50)),
            "p95_ms": round(quantile(times, 0.95)),
        }
    return {
        "requests": len(phase.samples),
        "seconds": round(phase.seconds, 1),
        "req_per_s": round(len(phase.samples) / phase.seconds, 2) if phase.seconds else 0.0,
        "p50_ms": round(quantile(ms, 0.50)) if ms else None,
        "p95_ms": round(quantile(ms, 0.95)) if ms else None,
        "p99_ms": round(quantile(ms, 0.99)) if ms else None,
        "max_ms": round(ms[-1]) if ms else None,
        "by_kind": dict(sorted(kinds.items())),
        "answers_by": by_outcome,
        "expected_errors": expected_errors,
        "unexpected_errors": len(phase.unexpected),
        "unexpected_examples": sorted({s.detail for s in phase.unexpected})[:5],
    }


# --- the server and the indexer ----------------------------------------------------------------


WORDS = (
    "harbour council ferry bridge budget election river museum festival tunnel school "
    "hospital railway factory mayor minister farmers teachers storm drought orchestra "
    "library stadium airport market vineyard glacier observatory cathedral canal"
).split()
TOWNS = "Valmora Kessling Orbridge Tarnwick Ellesby Quenford Marrowgate Selvik".split()


def write_articles(folder: Path, n: int, seed: int = 7) -> Path:
    """``n`` generated articles (a few sentences each) as one JSONL file."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "generated.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            town = rng.choice(TOWNS)
            subject, other = rng.sample(WORDS, 2)
            sentences = [
                f"The {town} {subject} board met on day {i} to discuss the {other} plan.",
                f"Officials said the {subject} would cost {rng.randint(2, 90)} million crowns.",
                f"Residents of {town} asked for a vote on the {other} before the winter.",
                f"The {subject} chair, {rng.choice(TOWNS)} native number {i}, backed it.",
                f"A final decision on the {town} {other} is expected next month.",
            ]
            record = {
                "id": f"gen-{i:05d}",
                "title": f"{town} {subject} board weighs {other} plan ({i})",
                "text": " ".join(sentences),
                "source": "bench.load",
            }
            fh.write(json.dumps(record) + "\n")
    return path


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="target a running server instead of starting one")
    parser.add_argument("--pid", type=int, help="with --url: the server's PID, for its RSS")
    parser.add_argument("--index-dir", type=Path, help="index to serve (default: seeds, in tmp)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured phase length")
    parser.add_argument("--warmup", type=float, default=30.0, help="warm-up phase length")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="per client and phase (a bound)"
    )
    parser.add_argument(
        "--index-during", action="store_true", help="run `rag index` while the load runs"
    )
    parser.add_argument("--index-docs", type=int, default=300, help="articles --index-during adds")
    parser.add_argument(
        "--chroma-server",
        action="store_true",
        help="keep the passages in a `chroma run` server started here (default: embedded)",
    )
    parser.add_argument("--chroma-url", help="with --url: the Chroma server the target uses")
    parser.add_argument(
        "--answerer",
        choices=["llm", "extractive"],
        help="passed to `rag serve` (default: RAG_ANSWERER, else the local model)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=REQUEST_TIMEOUT_S,
        help="seconds a client waits for a reply (a timeout is an unexpected error)",
    )
    parser.add_argument("--json", action="store_true", help="also print the result as JSON")
    args = parser.parse_args(argv)
    if args.url and args.index_during and not args.index_dir:
        parser.error("--index-during with --url needs the server's --index-dir")

    work = Path(tempfile.mkdtemp(prefix="rag-load-"))
    chroma: subprocess.Popen | None = None
    server: subprocess.Popen | None = None
    indexer: subprocess.Popen | None = None
    result: dict[str, Any] = {
        "machine": machine(),
        "clients": args.clients,
        "rag_env": rag_settings_env(),
    }
    try:
        index_dir = args.index_dir or work / "index"
        chroma_url = args.chroma_url
        if args.chroma_server and not args.url:
            chroma_port = free_port()
            chroma = start_chroma(work / "chroma", chroma_port, work / "chroma.log")
            chroma_url = f"http://127.0.0.1:{chroma_port}"
        result["store"] = chroma_url or "embedded"
        flags = store_flags(index_dir, chroma_url)
        if args.url:
            url, pid = args.url.rstrip("/"), args.pid
        else:
            if args.index_dir is None:
                print(f"indexing the seed articles into {index_dir} …", flush=True)
                built = rag_index([SEEDS], flags, work / "index.log")
                if built.wait(timeout=600) != 0:
                    raise SystemExit(f"rag index failed; see {work / 'index.log'}")
            port = free_port()
            serve_flags = [*flags, "--answerer", args.answerer] if args.answerer else flags
            server = start_server(port, serve_flags, work / "server.log")
            url, pid = f"http://127.0.0.1:{port}", server.pid
        health = httpx.get(f"{url}/api/health", timeout=30).json()
        docs_before = health.get("documents")
        result["llm_model"] = health.get("llm_model")
        result["local_model"] = health.get("local_model")
        result["rss_start_mib"] = rss_mib(pid)
        print(f"server {url} (pid {pid}): {docs_before} documents; load {load()}", flush=True)

        timeout_s = args.request_timeout
        warm = run_phase(
            url,
            args.clients,
            args.warmup,
            args.max_requests,
            seed=1000,
            pid=pid,
            timeout_s=timeout_s,
        )
        result["warmup"] = summary(warm)
        result["rss_warm_mib"] = rss_mib(pid)
        print(f"warm-up: {result['warmup']}; load {load()}", flush=True)

        index_window: list[float] = []
        if args.index_during:
            extra = write_articles(work / "extra", args.index_docs)
            index_window.append(time.monotonic())
            indexer = rag_index([extra], flags, work / "index-during.log")

        def index_finished() -> bool:
            if indexer is None:
                return True
            if indexer.poll() is None:
                return False
            if len(index_window) == 1:
                index_window.append(time.monotonic())
            return True

        main_phase = run_phase(
            url,
            args.clients,
            args.seconds,
            args.max_requests,
            index_finished,
            seed=1,
            pid=pid,
            timeout_s=timeout_s,
        )
        result["load"] = summary(main_phase)
        result["rss_trace_mib"] = [mib for _, mib in main_phase.rss_trace]
        result["rss_end_mib"] = rss_mib(pid)
        result["load_avg_1m"] = load()
        if result["rss_warm_mib"] and result["rss_end_mib"]:
            growth = (result["rss_end_mib"] / result["rss_warm_mib"] - 1) * 100
            result["rss_growth_after_warmup_pct"] = round(growth, 1)
        if indexer is not None:
            if indexer.poll() is None:  # the phase hit its hard limit
                stop_process(indexer)
            start, end = index_window[0], index_window[-1]
            during = [s for s in main_phase.samples if start <= s.started <= end]
            result["index_during"] = {
                "articles": args.index_docs,
                "exit_code": indexer.returncode,
                "seconds": round(end - start, 1),
                "requests_during": len(during),
                "unexpected_errors_during": sum(1 for s in during if not s.ok),
                "documents_before": docs_before,
                "documents_after": httpx.get(f"{url}/api/health", timeout=30)
                .json()
                .get("documents"),
            }
        report(result)
        if args.json:
            print(json.dumps(result, indent=2))
        failed = result["load"]["unexpected_errors"] or result["warmup"]["unexpected_errors"]
        if indexer is not None and indexer.returncode != 0:
            failed = True
        return 1 if failed else 0
    finally:
        if indexer is not None:
            stop_process(indexer)
        if server is not None:
            stop_process(server)
        if chroma is not None:
            stop_process(chroma)
        shutil.rmtree(work, ignore_errors=True)


def _mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MiB"


def report(result: dict[str, Any]) -> None:
    load_ = result["load"]
    print()
    print(f"machine: {result['machine']}; 1-min load at the end: {result['load_avg_1m']}")
    print(f"passages in: {result['store']}")
    print(
        f"{result['clients']} clients, {load_['seconds']} s: {load_['requests']} requests, "
        f"{load_['req_per_s']} req/s"
    )
    print(
        f"latency p50 {load_['p50_ms']} ms, p95 {load_['p95_ms']} ms, p99 {load_['p99_ms']} ms, "
        f"max {load_['max_ms']} ms"
    )
    print(f"mix: {load_['by_kind']}")
    print(f"answerer: {result.get('llm_model')}; local model: {result.get('local_model')}")
    print(f"RAG_* settings passed to the server: {result.get('rag_env') or 'none'}")
    for who, row in load_.get("answers_by", {}).items():
        print(
            f"answers by {who}: {row['answers']} ({row['share']:.0%}), "
            f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms"
        )
    print(
        f"expected errors (400/413 for bad input): {load_['expected_errors']}; "
        f"unexpected errors: {load_['unexpected_errors']} {load_['unexpected_examples'] or ''}"
    )
    growth = result.get("rss_growth_after_warmup_pct")
    print(
        f"server RSS: start {_mib(result['rss_start_mib'])}, after warm-up "
        f"{_mib(result['rss_warm_mib'])}, end {_mib(result['rss_end_mib'])} "
        f"(growth after warm-up: {'n/a' if growth is None else f'{growth}%'})"
    )
    if result.get("rss_trace_mib"):
        trace = ", ".join(str(m) for m in result["rss_trace_mib"])
        print(f"server RSS every {RSS_EVERY_S:.0f} s of the measured phase (MiB): {trace}")
    during = result.get("index_during")
    if during:
        print(
            f"rag index of {during['articles']} articles in another process: exit "
            f"{during['exit_code']} after {during['seconds']} s; {during['requests_during']} "
            f"requests meanwhile, {during['unexpected_errors_during']} unexpected errors; "
            f"documents served before/after: {during['documents_before']}/"
            f"{during['documents_after']}"
        )


if __name__ == "__main__":
    sys.exit(main())
