"""Scoring: is one answer correct, and what a whole run adds up to.

Everything here works on plain data (the JSON records a run writes), so a saved run can be
scored again without the index. A result record carries at least ``expected`` (``answers``,
``sources``, ``answerable``), ``answer``, ``abstained``, ``citations`` (``n``, ``doc_id``),
``retrieved`` (doc ids of the passages, best first) and ``timings_ms``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

HIT_KS = (1, 3, 5, 10)
MRR_K = 10
LATENCY_STAGES = ("retrieve", "answer", "total")

_QUOTES = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
    }
)
_SPACE = re.compile(r"\s+")
_MARKER = re.compile(r"\[\s*(\d{1,4})\s*\]")
# A claim and the run of markers that cites it: "Kostyukov [1][2]", "… ended. [3]".
_CITED_CLAIM = re.compile(r"([^\[\]]*)((?:\s*\[\s*\d{1,4}\s*\])+)")
_WORD = re.compile(r"\w")


def normalise(text: str) -> str:
    """Text for matching: NFKC, lower case, plain quotes and dashes, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return _SPACE.sub(" ", text).strip()


def strip_markers(text: str) -> str:
    """The answer text without its ``[n]`` citation markers."""
    return _MARKER.sub(" ", text)


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether ``text`` (markers aside) contains one of ``answers``, compared normalised."""
    haystack = normalise(strip_markers(text))
    needles = [normalise(a) for a in answers]
    return any(needle and needle in haystack for needle in needles)


def cited_docs(citations: Iterable[Mapping[str, Any]]) -> list[str]:
    """The doc id of each citation, in order."""
    return [str(c.get("doc_id")) for c in citations]


def cites_source(citations: Iterable[Mapping[str, Any]], sources: Iterable[str]) -> bool:
    """Whether at least one citation points at one of ``sources``."""
    gold = set(sources)
    return any(doc in gold for doc in cited_docs(citations))


def is_correct(
    answer: str,
    abstained: bool,
    citations: Sequence[Mapping[str, Any]],
    expected: Mapping[str, Any],
) -> bool:
    """The test-set rule for one answer.

    Answerable: not a refusal, contains one of the expected answers, and cites one of the
    gold sources. Unanswerable: correct exactly when refused.
    """
    if not expected.get("answerable", True):
        return bool(abstained)
    return (
        not abstained
        and contains_answer(answer, expected.get("answers", ()))
        and cites_source(citations, expected.get("sources", ()))
    )


def gold_rank(retrieved: Sequence[str], sources: Iterable[str]) -> int | None:
    """1-based rank of the first retrieved passage from a gold source, or None."""
    gold = set(sources)
    for rank, doc_id in enumerate(retrieved, start=1):
        if doc_id in gold:
            return rank
    return None


def hit_at(rank: int | None, k: int) -> bool:
    """Whether a gold passage was among the first ``k``."""
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None, k: int = MRR_K) -> float:
    """1/rank when a gold passage is among the first ``k``, else 0."""
    return 1.0 / rank if hit_at(rank, k) else 0.0


def unmatched_markers(text: str, citations: Iterable[Mapping[str, Any]]) -> int:
    """``[n]`` markers in the text with no citation numbered ``n``."""
    known = {int(c.get("n", -1)) for c in citations}
    return sum(1 for m in _MARKER.finditer(text) if int(m.group(1)) not in known)


def unquoted_claims(answer: str, citations: Iterable[Mapping[str, Any]]) -> int:
    """Citations whose ``quote`` writes none of the words or numbers of the claim they are
    cited for (the answer's text before their marker): a quote the reader cannot trace the
    claim to. Claims of stop words alone ("No") and citations without a quote are not
    counted."""
    from rag.answering.facts import fact_terms, numbers
    from rag.answering.question_fit import prefix_match

    quotes = {int(c.get("n", -1)): c.get("quote") for c in citations}
    count = 0
    for match in _CITED_CLAIM.finditer(answer):
        claim = match.group(1)
        claim_terms, claim_numbers = fact_terms(claim), numbers(claim)
        if not claim_terms and not claim_numbers:
            continue
        for marker in _MARKER.finditer(match.group(2)):
            quote = quotes.get(int(marker.group(1)))
            if not quote:
                continue
            vocabulary = fact_terms(quote)
            if not (claim_numbers & numbers(quote)) and not any(
                prefix_match(t, vocabulary) for t in claim_terms
            ):
                count += 1
    return count


def word_count(text: str) -> int:
    """Words of the answer, citation markers left out."""
    return sum(1 for token in strip_markers(text).split() if _WORD.search(token))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100), linearly interpolated; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _share(part: int | float, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _type_of(result: Mapping[str, Any]) -> str:
    if result.get("type"):
        return str(result["type"])
    return "answerable" if result["expected"].get("answerable", True) else "unanswerable"


def summarise(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The metrics of a run (see docs/evaluation.md); a share is None when nothing counts."""
    answerable = [r for r in results if r["expected"].get("answerable", True)]
    unanswerable = [r for r in results if not r["expected"].get("answerable", True)]
    with_sources = [r for r in answerable if r["expected"].get("sources")]
    ranks = [gold_rank(r.get("retrieved") or [], r["expected"]["sources"]) for r in with_sources]
    cited = [c for r in answerable for c in r.get("citations") or []]
    gold_cited = sum(
        1
        for r in answerable
        for c in r.get("citations") or []
        if c.get("doc_id") in set(r["expected"].get("sources", ()))
    )
    answered = [r for r in results if not r.get("abstained") and not r.get("error")]
    metrics: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(1 for r in results if r.get("error")),
    }
    for k in HIT_KS:
        metrics[f"hit@{k}"] = _share(sum(hit_at(rank, k) for rank in ranks), len(ranks))
    metrics[f"mrr@{MRR_K}"] = _share(sum(reciprocal_rank(rank) for rank in ranks), len(ranks))
    metrics.update(
        {
            "answer_accuracy": _share(sum(bool(r["correct"]) for r in answerable), len(answerable)),
            # Right answer text whatever page it cites: news pools repeat a story on many
            # pages, and a claim verified on another page is still traceable.
            "answer_any_source": _share(
                sum(
                    not r.get("abstained")
                    and contains_answer(r["answer"], r["expected"].get("answers", ()))
                    for r in answerable
                ),
                len(answerable),
            ),
            "refusal_accuracy": _share(
                sum(bool(r["abstained"]) for r in unanswerable), len(unanswerable)
            ),
            "false_refusals": _share(
                sum(bool(r["abstained"]) for r in answerable), len(answerable)
            ),
            "citation_precision": _share(gold_cited, len(cited)),
            "invalid_citations": sum(int(r.get("invalid_citations") or 0) for r in results),
            # Generated claims that verification removed (never shown) or re-cited.
            "unsupported_claims": sum(int(r.get("unsupported_claims") or 0) for r in results),
            "recited_claims": sum(int(r.get("recited_claims") or 0) for r in results),
            "unquoted_claims": sum(
                unquoted_claims(r["answer"], r.get("citations") or []) for r in answered
            ),
            "mean_answer_words": (
                round(sum(word_count(r["answer"]) for r in answered) / len(answered), 1)
                if answered
                else None
            ),
        }
    )
    judged = [r["faithful"] for r in results if r.get("faithful") is not None]
    if judged:
        metrics["faithfulness"] = _share(sum(bool(x) for x in judged), len(judged))
    metrics["latency_ms"] = {
        stage: {f"p{q}": _round(percentile(_timings(results, stage), q)) for q in (50, 95)}
        for stage in LATENCY_STAGES
    }
    metrics["by_type"] = by_type(results)
    return metrics


def _timings(results: Sequence[Mapping[str, Any]], stage: str) -> list[float]:
    return [
        float(r["timings_ms"][stage])
        for r in results
        if isinstance(r.get("timings_ms"), Mapping) and r["timings_ms"].get(stage) is not None
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def by_type(results: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Questions, correct answers and accuracy per question type, types sorted by name."""
    groups: dict[str, list[bool]] = {}
    for r in results:
        groups.setdefault(_type_of(r), []).append(bool(r["correct"]))
    return {
        name: {"n": len(flags), "correct": sum(flags), "accuracy": _share(sum(flags), len(flags))}
        for name, flags in sorted(groups.items())
    }
