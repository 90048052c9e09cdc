"""How many questions of each development set share no term with their articles.

    .venv/bin/python -m bench.vocab_overlap

A question none of whose terms (``rag.terms``: stems, stop words out) occurs in any indexed
passage is refused without retrieving. This counts, per set, the questions that rule would
refuse, from the raw article texts (titles included), so no index has to be built; the
index's own vocabulary is of the cleaned passages, which can only hold fewer terms.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from bench.agnews import write_pool
from bench.common import REPO
from bench.squad import DEFAULT_DATA, read_squad, select_stratified
from rag.terms import terms

RTQA = Path("/work/shared/datasets/realtimeqa")
SQUAD_SAMPLE = (300, 150, 0)  # answerable, unanswerable, seed: the sample docs/evaluation.md uses


def _vocabulary(texts: Iterable[str]) -> set[str]:
    vocabulary: set[str] = set()
    for text in texts:
        vocabulary.update(terms(text))
    return vocabulary


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _report(name: str, questions: list[tuple[str, bool]], vocabulary: set[str]) -> None:
    unknown = [(q, a) for q, a in questions if not any(t in vocabulary for t in terms(q))]
    answerable = sum(a for _, a in unknown)
    print(
        f"{name}: {len(unknown)} of {len(questions)} questions share no term with the articles "
        f"({answerable} answerable){': ' if unknown else ''}{'; '.join(q for q, _ in unknown)}"
    )


def main() -> int:
    seeds = _jsonl(REPO / "tests" / "eval" / "seeds.jsonl")
    seed_texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    _report("seeds", [(c["question"], c["answerable"]) for c in seeds], _vocabulary(seed_texts))

    documents, cases, _ = read_squad(DEFAULT_DATA)
    squad_vocabulary = _vocabulary(f"{d['title']} {d['text']}" for d in documents)
    sample = select_stratified(cases, *SQUAD_SAMPLE)
    _report(
        "SQuAD 300 + 150, seed 0", [(c.question, c.answerable) for c in sample], squad_vocabulary
    )
    _report("SQuAD half-set, all", [(c.question, c.answerable) for c in cases], squad_vocabulary)

    articles = _jsonl(RTQA / "articles.jsonl")
    rtqa_vocabulary = _vocabulary(f"{a.get('title') or ''} {a.get('text') or ''}" for a in articles)
    questions = [(c["question"], c["answerable"]) for c in _jsonl(RTQA / "questions.jsonl")]
    _report("RealTimeQA dev", questions, rtqa_vocabulary)

    pool = _jsonl(write_pool())
    ag_vocabulary = _vocabulary(f"{d.get('title') or ''} {d.get('text') or ''}" for d in pool)
    ag = _jsonl(REPO / "bench" / "agnews_questions.jsonl")
    _report("AG News snippets", [(c["question"], c["answerable"]) for c in ag], ag_vocabulary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
