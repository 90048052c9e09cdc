"""Score several saved runs (parts of one sample) as one: ``rag eval --json`` files in,
the metrics table of all their questions out.

    .venv/bin/python bench/merge_runs.py bench/out/squad-0_150.json bench/out/squad-150_300.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.evaluate.metrics import summarise
from rag.evaluate.report import format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/merge_runs.py", description=__doc__)
    parser.add_argument("runs", nargs="+", type=Path, help="JSON runs written by --json")
    parser.add_argument("--json", dest="json_out", type=Path, help="write the merged metrics")
    args = parser.parse_args(argv)
    results = []
    for path in args.runs:
        results.extend(json.loads(path.read_text(encoding="utf-8"))["results"])
    ids = [r["id"] for r in results]
    if len(ids) != len(set(ids)):
        print("error: the runs share questions; merge disjoint parts", file=sys.stderr)
        return 2
    metrics = summarise(results)
    print(format_table(metrics))
    if args.json_out:
        args.json_out.write_text(json.dumps({"metrics": metrics}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
