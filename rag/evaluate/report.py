"""Showing a run: a table for the terminal, a Markdown report with charts, a comparison.

matplotlib is imported only when charts are drawn; without it the report is written
without charts and says how to get them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.evaluate.metrics import HIT_KS, LATENCY_STAGES, MRR_K
from rag.evaluate.runner import Run

# The scalar metrics in the order tables show them, with their labels.
METRIC_LABELS = (
    *((f"hit@{k}", f"retrieval hit@{k}") for k in HIT_KS),
    (f"mrr@{MRR_K}", f"retrieval MRR@{MRR_K}"),
    ("answer_accuracy", "answer accuracy (answerable)"),
    ("answer_any_source", "answer text right, any cited page"),
    ("refusal_accuracy", "refusal accuracy (unanswerable)"),
    ("false_refusals", "false refusals (answerable)"),
    ("citation_precision", "citation precision"),
    ("faithfulness", "faithful answers (LLM judge)"),
    ("invalid_citations", "invalid citation markers"),
    ("unsupported_claims", "generated claims removed (unsupported)"),
    ("recited_claims", "generated claims re-cited"),
    ("unquoted_claims", "quotes not writing their claim"),
    ("mean_answer_words", "mean answer length (words)"),
)
# Metrics where a higher value is worse, for the signs of a comparison.
LOWER_IS_BETTER = frozenset({"false_refusals", "invalid_citations", "unquoted_claims"})
MAX_FAILURES = 200


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def metric_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows: counts, the scalar metrics, then latency per stage."""
    rows = [
        (
            "questions",
            f"{metrics.get('questions', 0)} ({metrics.get('answerable', 0)} answerable, "
            f"{metrics.get('unanswerable', 0)} unanswerable, {metrics.get('errors', 0)} errors)",
        )
    ]
    rows += [(label, _fmt(metrics[key])) for key, label in METRIC_LABELS if key in metrics]
    latency = metrics.get("latency_ms") or {}
    for stage in LATENCY_STAGES:
        if stage in latency:
            p = latency[stage]
            rows.append((f"latency {stage} p50 / p95 (ms)", f"{p['p50']:.1f} / {p['p95']:.1f}"))
    return rows


def format_table(metrics: Mapping[str, Any]) -> str:
    """The metrics as an aligned two-column table, then accuracy by question type."""
    rows = metric_rows(metrics)
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    types = metrics.get("by_type") or {}
    if types:
        name_width = max(len(name) for name in types)
        lines += ["", f"{'type':<{name_width}}  correct  accuracy"]
        for name, t in types.items():
            count = f"{t['correct']}/{t['n']}"
            lines.append(f"{name:<{name_width}}  {count:>7}  {_fmt(t['accuracy'])}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- Markdown


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _expected(r: Mapping[str, Any]) -> str:
    exp = r["expected"]
    if not exp.get("answerable", True):
        return "a refusal"
    return " or ".join(f"“{a}”" for a in exp.get("answers", [])) + (
        f", citing {', '.join(exp.get('sources', []))}"
    )


def _got(r: Mapping[str, Any]) -> str:
    if r.get("error"):
        return f"error: {r['error']}"
    if r.get("abstained"):
        return "a refusal"
    cited = ", ".join(dict.fromkeys(c["doc_id"] for c in r.get("citations") or [])) or "nothing"
    return f"“{_cell(r.get('answer', ''))}” (cites {cited})"


def failure_lines(run: Run, limit: int = MAX_FAILURES) -> list[str]:
    """Markdown list items, one per wrong answer (at most ``limit``)."""
    failures = run.failures()
    lines = []
    for r in failures[:limit]:
        retrieved = ", ".join(dict.fromkeys((r.get("retrieved") or [])[:5])) or "nothing"
        lines += [
            f"- **{_cell(r['id'])}** ({r.get('type', '-')}): {_cell(r['question'])}",
            f"  - expected: {_expected(r)}",
            f"  - got: {_got(r)}",
            f"  - retrieved (top 5): {retrieved}",
        ]
        if r.get("history"):
            turns = " / ".join(f"{t['role']}: {_cell(t['content'])}" for t in r["history"])
            lines.append(f"  - history: {turns}")
    if len(failures) > limit:
        lines.append(f"- … and {len(failures) - limit} more (see the JSON run)")
    return lines


def draw_charts(metrics: Mapping[str, Any], report_path: Path) -> list[tuple[str, Path]]:
    """hit@k and accuracy-by-type PNGs beside ``report_path``: [(caption, path)].

    Raises ImportError when matplotlib is missing.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts: list[tuple[str, Path]] = []
    ks = [k for k in HIT_KS if metrics.get(f"hit@{k}") is not None]
    if ks:
        path = report_path.with_name(f"{report_path.stem}-hit-at-k.png")
        fig, ax = plt.subplots(figsize=(5, 3.2))
        values = [metrics[f"hit@{k}"] for k in ks]
        ax.plot(ks, values, marker="o")
        for k, v in zip(ks, values, strict=True):
            ax.annotate(f"{v:.2f}", (k, v), textcoords="offset points", xytext=(0, 6), ha="center")
        ax.set(
            xlabel="k (passages)",
            ylabel="hit@k",
            ylim=(0, 1.12),
            xticks=ks,
            title="Retrieval: a gold passage in the top k",
        )
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        charts.append(("Retrieval hit@k", path))
    types = metrics.get("by_type") or {}
    if types:
        path = report_path.with_name(f"{report_path.stem}-by-type.png")
        names = list(types)
        fig, ax = plt.subplots(figsize=(6, 0.4 * len(names) + 1.2))
        values = [types[n]["accuracy"] or 0.0 for n in names]
        ax.barh(names, values)
        for i, n in enumerate(names):
            ax.text(values[i] + 0.01, i, f"{types[n]['correct']}/{types[n]['n']}", va="center")
        ax.set(xlim=(0, 1.15), xlabel="share correct", title="Accuracy by question type")
        ax.invert_yaxis()
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        charts.append(("Accuracy by question type", path))
    return charts


def markdown_report(run: Run, charts: list[tuple[str, Path]], note: str | None = None) -> str:
    """The report text: configuration, metric table, types, charts, failures."""
    m, config = run.metrics, run.config
    settings = config.get("settings") or {}
    lines = [f"# Evaluation of {config.get('dataset', 'a test set')}", ""]
    described = ", ".join(f"{k} = {v}" for k, v in settings.items())
    if described:
        lines += [f"Settings: {described}.", ""]
    lines += ["| metric | value |", "| --- | --- |"]
    lines += [f"| {_cell(label)} | {_cell(value)} |" for label, value in metric_rows(m)]
    types = m.get("by_type") or {}
    if types:
        lines += ["", "## By question type", "", "| type | correct | accuracy |"]
        lines.append("| --- | --- | --- |")
        lines += [
            f"| {_cell(n)} | {t['correct']}/{t['n']} | {_fmt(t['accuracy'])} |"
            for n, t in types.items()
        ]
    if charts:
        lines.append("")
        lines += [f"![{caption}]({path.name})" for caption, path in charts]
    if note:
        lines += ["", f"_{note}_"]
    failures = run.failures()
    lines += ["", f"## Failures ({len(failures)})", ""]
    lines += failure_lines(run) or ["None."]
    return "\n".join(lines) + "\n"


def write_report(run: Run, path: str | Path) -> Path:
    """Write the Markdown report and its PNG charts (when matplotlib is installed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    note = None
    try:
        charts = draw_charts(run.metrics, path)
    except ImportError:
        charts = []
        note = "Charts skipped: matplotlib is missing (it is a dependency: run `make install`)."
    path.write_text(markdown_report(run, charts, note), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    """How run B differs from run A, question by question and metric by metric."""

    fixed: list[dict[str, Any]] = field(default_factory=list)  # wrong in A, right in B
    broken: list[dict[str, Any]] = field(default_factory=list)  # right in A, wrong in B
    changed: int = 0  # same verdict, different answer text
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    deltas: dict[str, tuple[Any, Any, float | None]] = field(default_factory=dict)


def compare_runs(a: Run, b: Run) -> Comparison:
    """Per-question verdict changes and metric deltas (B minus A), by question id."""
    by_id_a = {r["id"]: r for r in a.results}
    by_id_b = {r["id"]: r for r in b.results}
    out = Comparison(
        only_a=[i for i in by_id_a if i not in by_id_b],
        only_b=[i for i in by_id_b if i not in by_id_a],
    )
    for case_id, ra in by_id_a.items():
        rb = by_id_b.get(case_id)
        if rb is None:
            continue
        if not ra["correct"] and rb["correct"]:
            out.fixed.append({"a": ra, "b": rb})
        elif ra["correct"] and not rb["correct"]:
            out.broken.append({"a": ra, "b": rb})
        elif ra.get("answer") != rb.get("answer"):
            out.changed += 1
    for key, _ in METRIC_LABELS:
        va, vb = a.metrics.get(key), b.metrics.get(key)
        if va is None and vb is None:
            continue
        delta = vb - va if isinstance(va, int | float) and isinstance(vb, int | float) else None
        out.deltas[key] = (va, vb, delta)
    return out


def format_comparison(c: Comparison, name_a: str = "A", name_b: str = "B") -> str:
    """The comparison as text: metric deltas, then fixed and broken questions."""
    labels = dict(METRIC_LABELS)
    width = max([len(labels[k]) for k in c.deltas] + [6])
    lines = [f"{'metric':<{width}}  {name_a:>8}  {name_b:>8}  change"]
    for key, (va, vb, delta) in c.deltas.items():
        change = "-"
        if delta is not None:
            better = delta < 0 if key in LOWER_IS_BETTER else delta > 0
            mark = "" if delta == 0 else (" better" if better else " worse")
            change = f"{delta:+.3f}{mark}" if isinstance(delta, float) else f"{delta:+d}{mark}"
        lines.append(f"{labels[key]:<{width}}  {_fmt(va):>8}  {_fmt(vb):>8}  {change}")
    lines.append("")
    lines.append(
        f"{len(c.fixed)} fixed, {len(c.broken)} broken, {c.changed} answered differently "
        "with the same verdict"
    )
    for title, pairs in (
        ("fixed (wrong in A, right in B)", c.fixed),
        ("broken (right in A, wrong in B)", c.broken),
    ):
        if pairs:
            lines += ["", f"{title}:"]
            for pair in pairs:
                ra, rb = pair["a"], pair["b"]
                lines.append(f"  {ra['id']}: {ra['question']}")
                lines.append(f"    A: {_got(ra)}")
                lines.append(f"    B: {_got(rb)}")
    if c.only_a or c.only_b:
        lines += ["", f"only in A: {len(c.only_a)} question(s); only in B: {len(c.only_b)}"]
    return "\n".join(lines)
