"""Ask every question of a test set through a :class:`~rag.facade.RagService` and score it.

Per question it calls ``service.answer`` (the same path the CLI, API and UI take) and, for
the retrieval metrics, ``service.retrieve`` with ``retrieve_k`` passages for the query the
answerer searched with (a follow-up is searched together with the earlier question, see
:func:`rag.answering.followup.search_query`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.answering.followup import search_query
from rag.errors import InputError
from rag.evaluate.dataset import Case
from rag.evaluate.metrics import (
    gold_rank,
    is_correct,
    summarise,
    unmatched_markers,
)
from rag.evaluate.progress import progress_bar
from rag.retrieve import Filters

if TYPE_CHECKING:
    from rag.facade import RagService
    from rag.types import Answer

RETRIEVE_K = 10
# Settings that shape the results, recorded with every run so two runs can be compared.
RECORDED_SETTINGS = (
    "embedding_model",
    "chunk_tokens",
    "chunk_overlap_tokens",
    "top_k",
    "candidates",
    "fusion",
    "rrf_k",
    "dense_weight",
    "lexical_weight",
    "answer_max_sentences",
    "answer_second_ratio",
    "min_support",
    "llm_model",
)

Judge = Callable[["Answer"], "bool | None"]


@dataclass
class Run:
    """A finished evaluation: its configuration, one record per question, the metrics."""

    config: dict[str, Any]
    results: list[dict[str, Any]]
    metrics: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON a run is saved as: ``{"metrics", "config", "results"}``."""
        return {"metrics": self.metrics, "config": self.config, "results": self.results}

    def failures(self) -> list[dict[str, Any]]:
        """The records of the questions answered wrongly."""
        return [r for r in self.results if not r["correct"]]


def _citation(c: Any) -> dict[str, Any]:
    return {"n": c.n, "doc_id": c.doc_id, "title": c.title, "quote": c.quote}


def evaluate_case(
    service: RagService, case: Case, retrieve_k: int = RETRIEVE_K, judge: Judge | None = None
) -> dict[str, Any]:
    """Answer one case and score it: the result record a run stores."""
    history = [dict(turn) for turn in case.history]
    filters = Filters(as_of=case.as_of) if case.as_of else None
    record: dict[str, Any] = {
        "id": case.id,
        "type": case.kind,
        "question": case.question,
        "expected": case.expected(),
    }
    if history:
        record["history"] = history
    try:
        answer = service.answer(case.question, history=history or None, filters=filters)
    except InputError as exc:  # e.g. a question over the length limit: score it, go on
        record.update(
            answer="",
            abstained=False,
            citations=[],
            retrieved=[],
            search_query=None,
            model=None,
            invalid_citations=0,
            gold_rank=None,
            correct=False,
            error=str(exc),
            timings_ms={},
        )
        return record
    query = answer.search_query or search_query(answer.question, history)
    passages = service.retrieve(query, top_k=retrieve_k, filters=filters)
    retrieved = [p.chunk.doc_id for p in passages]
    citations = [_citation(c) for c in answer.citations]
    record.update(
        answer=answer.answer,
        abstained=answer.abstained,
        citations=citations,
        retrieved=retrieved,
        search_query=answer.search_query,
        model=answer.model,
        invalid_citations=answer.invalid_citations + unmatched_markers(answer.answer, citations),
        unsupported_claims=answer.unsupported_claims,
        recited_claims=answer.recited_claims,
        gold_rank=gold_rank(retrieved, case.sources) if case.answerable else None,
        correct=is_correct(answer.answer, answer.abstained, citations, case.expected()),
        error=None,
        timings_ms=dict(answer.timings_ms),
    )
    if answer.notice:
        record["notice"] = answer.notice
    if judge is not None:
        record["faithful"] = judge(answer)
    return record


def run_config(service: RagService, **extra: Any) -> dict[str, Any]:
    """What a run was made with: the settings that matter, plus ``extra`` (paths, k)."""
    settings = service.settings
    recorded = {n: getattr(settings, n) for n in RECORDED_SETTINGS if hasattr(settings, n)}
    recorded["llm_model"] = service.settings.generator or "extractive"
    return {
        **{k: (str(v) if isinstance(v, Path) else v) for k, v in extra.items()},
        "settings": recorded,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_cases(
    service: RagService,
    cases: Sequence[Case],
    retrieve_k: int = RETRIEVE_K,
    judge: Judge | None = None,
    progress: bool = True,
    config: dict[str, Any] | None = None,
) -> Run:
    """Evaluate every case in order; the progress bar goes to stderr."""
    bar = progress_bar(len(cases)) if progress else None
    started = time.perf_counter()
    results = []
    for case in cases:
        results.append(evaluate_case(service, case, retrieve_k, judge))
        if bar:
            bar.update()
    if bar:
        bar.close()
    config = dict(config or run_config(service))
    config.update(retrieve_k=retrieve_k, seconds=round(time.perf_counter() - started, 1))
    return Run(config, results, summarise(results))


def save_run(run: Run, path: str | Path) -> Path:
    """Write the run as indented UTF-8 JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.to_dict(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    return path


def load_run(path: str | Path) -> Run:
    """Read a run written by :func:`save_run` (or ``rag eval --json``)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"run {path} not found: write one with `rag eval ... --json`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"run {path} is not a JSON file written by `rag eval --json` ({exc})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise InputError(f'run {path} has no "results" list: write it with `rag eval --json`')
    for n, r in enumerate(data["results"], start=1):
        if not isinstance(r, dict) or not {"id", "correct", "expected"} <= set(r):
            raise InputError(f'run {path} result {n} lacks "id", "correct" or "expected"')
    return Run(data.get("config") or {}, data["results"], data.get("metrics") or {})
