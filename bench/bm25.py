"""BM25 alone, by document: how well :func:`rag.terms.terms` lets BM25 find the gold article.

    .venv/bin/python -m bench.bm25                       # RealTimeQA, the shared copy
    .venv/bin/python -m bench.bm25 --articles A.jsonl --questions Q.jsonl

No embedding and no Chroma: every article (title + text) is cut into passages of about
``--passage-chars`` (whole lines), BM25 (bm25s) is built over their terms, and a question's
document rank is the best rank of any of its passages. For comparing tokenizers on a large
news corpus without re-indexing; the service's own retrieval (dense + BM25) is measured by
``rag eval``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench.text import RTQA, passages
from rag.evaluate.metrics import HIT_KS, MRR_K, gold_rank, hit_at, reciprocal_rank

QUESTIONS = RTQA.with_name("questions.jsonl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/bm25.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=RTQA, help="JSONL articles")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="rag eval test set")
    parser.add_argument("--passage-chars", type=int, default=800, help="passage size")
    args = parser.parse_args(argv)

    import bm25s
    import numpy as np

    from rag import terms as terms_module

    terms = terms_module.terms
    version = getattr(terms_module, "TERMS_VERSION", "before TERMS_VERSION")

    doc_of: list[str] = []
    texts: list[str] = []
    with open(args.articles, encoding="utf-8") as fh:
        for line in fh:
            page = json.loads(line)
            for passage in passages(
                [f"{page.get('title', '')}\n{page['text']}"], args.passage_chars
            ):
                doc_of.append(page["id"])
                texts.append(passage)
    with open(args.questions, encoding="utf-8") as fh:
        cases = [c for c in map(json.loads, fh) if c.get("sources")]

    started = time.perf_counter()
    tokens = [terms(t) for t in texts]
    tokenize_s = time.perf_counter() - started
    started = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index(tokens, show_progress=False)
    build_s = time.perf_counter() - started

    ranks = []
    for case in cases:
        query = [t for t in terms(case["question"]) if t in bm25.vocab_dict]
        if not query:
            ranks.append(None)
            continue
        scores = bm25.get_scores(query)
        ranked = []
        for i in np.argsort(-scores, kind="stable")[: 50 * max(HIT_KS)]:
            if doc_of[i] not in ranked:
                ranked.append(doc_of[i])
        ranks.append(gold_rank(ranked, case["sources"]))
    n = len(ranks) or 1
    metrics = {"questions": len(ranks), "passages": len(texts), "terms": version}
    metrics.update({f"hit@{k}": round(sum(hit_at(r, k) for r in ranks) / n, 4) for k in HIT_KS})
    metrics[f"mrr@{MRR_K}"] = round(sum(reciprocal_rank(r) for r in ranks) / n, 4)
    metrics.update(
        tokenize_s=round(tokenize_s, 2),
        bm25_build_s=round(build_s, 2),
        load_1min=round(os.getloadavg()[0], 1),
    )
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
