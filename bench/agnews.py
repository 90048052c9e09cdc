"""A pool of short news snippets and hand-written questions on it, as a ``rag eval`` set.

Snippet pools (a headline and a sentence or two per item) answer differently from whole
pages: the headline is often the only statement of a fact, and on-topic items that do not
hold the answer sit beside the one that does. This writes the pool, 900 AG News items drawn
with a fixed seed from the shared test split, as JSONL into the git-ignored cache; the
questions (``bench/agnews_questions.jsonl``: 42 answerable, 14 unanswerable, written by
hand from the pool's items, their answers in the headline alone for three) refer to the
items by id:

    .venv/bin/rag index "$(.venv/bin/python -m bench.agnews)" --index-dir /tmp/agnews
    .venv/bin/rag eval bench/agnews_questions.jsonl --index-dir /tmp/agnews
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from bench.common import AG_NEWS, CACHE, ag_news_items

QUESTIONS = Path(__file__).with_name("agnews_questions.jsonl")
POOL_SIZE = 900
POOL_SEED = 16


def write_pool(source: Path = AG_NEWS, folder: Path = CACHE) -> Path:
    """Write the pool (``POOL_SIZE`` items drawn with ``POOL_SEED``); return its path."""
    items = ag_news_items(source)
    drawn = random.Random(POOL_SEED).sample(range(len(items)), POOL_SIZE)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"agnews-pool-{POOL_SIZE}-{POOL_SEED}.jsonl"
    lines = [
        json.dumps({"id": f"ag{i:04d}", "title": items[i][1], "text": items[i][2]}) for i in drawn
    ]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(write_pool(Path(sys.argv[1]) if len(sys.argv) > 1 else AG_NEWS))
