"""Shared helpers for the benchmarks: the AG News corpus as JSONL, timing, machine facts.

The AG News test split (7,600 short news items) is read from its shared path and written as
JSONL documents into a scratch folder; never into the repository. Sizes above 7,600 repeat
the items as *variants*: variant 0 is the item itself, variant ``v`` drops a different
seventh of the description's words and swaps two neighbouring words, so every document is
distinct (no two texts hash alike) while length and vocabulary stay those of real news.
"""

from __future__ import annotations

import csv
import html
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench" / ".cache"  # git-ignored: built indexes
AG_NEWS = Path(os.environ.get("RAG_BENCH_AG_NEWS", "/work/shared/datasets/ag-news/test.csv"))
DOCS_PER_FILE = 1000
_ENTITY = re.compile(r"#(\d+);")


def _unescape(text: str) -> str:
    """AG News escapes: ``#36;`` is ``$``, ``\\`` is a newline, plus HTML entities."""
    text = _ENTITY.sub(lambda m: chr(int(m.group(1))), text.replace("\\", " "))
    return " ".join(html.unescape(text).split())


def ag_news_items(path: Path = AG_NEWS) -> list[tuple[str, str, str]]:
    """(class, title, description) for each row of the AG News CSV."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [(row[0], _unescape(row[1]), _unescape(row[2])) for row in csv.reader(fh)]


def _variant(text: str, v: int) -> str:
    if v == 0:
        return text
    words = text.split()
    kept = [w for j, w in enumerate(words) if (j + v) % 7 != 0 or len(words) < 8]
    if len(kept) > 3:
        k = 1 + v % (len(kept) - 2)
        kept[k], kept[k + 1] = kept[k + 1], kept[k]
    return " ".join(kept)


def iter_records(n: int) -> Iterator[dict[str, str]]:
    """``n`` JSONL records: AG News items, then their variants."""
    items = ag_news_items()
    classes = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"}
    for k in range(n):
        v, i = divmod(k, len(items))
        label, title, description = items[i]
        yield {
            "id": f"ag{v:02d}-{i:04d}",
            "title": title,
            "text": _variant(description, v),
            "source": f"AG News ({classes.get(label, label)})",
        }


def write_corpus(folder: Path, n: int) -> Path:
    """Write ``n`` documents as JSONL files of 1,000 records each into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    records = iter_records(n)
    part = 0
    while True:
        batch = [r for _, r in zip(range(DOCS_PER_FILE), records, strict=False)]
        if not batch:
            return folder
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch)
        (folder / f"part-{part:04d}.jsonl").write_text(lines, encoding="utf-8")
        part += 1


def load() -> str:
    """The 1-minute load average, as a string for the report."""
    return f"{os.getloadavg()[0]:.2f}"


def machine() -> str:
    """One line describing the machine."""
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {mem_gib:.0f} GiB RAM, no GPU, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50, p95, mean and max of a list of milliseconds."""
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": statistics.median(ordered),
        "p95": p95,
        "mean": statistics.fmean(ordered),
        "max": ordered[-1],
    }


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """Resident set size of this process now, in MiB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def children_cpu_s() -> float:
    """User + system CPU seconds of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def du_mib(path: Path) -> float:
    """Disk usage of a folder in MiB (allocated blocks, like ``du``)."""
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) / 1024


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started


def bench_settings(index_dir: Path, **overrides: object):
    """Settings isolated from the developer's env vars and ./rag.toml (an empty config)."""
    from rag.settings import load_settings

    return load_settings(config_file=Path(os.devnull), environ={}, index_dir=index_dir, **overrides)
