#!/usr/bin/env bash
# The test command the README gives and .ci/run calls: lint, the whole suite, then the
# answer-quality gate on the seed test set (figures and failures: docs/evaluation.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# The gate: answer accuracy and refusal accuracy on tests/eval/seeds.jsonl may not drop
# below the figures measured and documented in docs/evaluation.md.
MIN_ACCURACY=0.82
MIN_REFUSAL_ACCURACY=0.36

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> pytest"
.venv/bin/pytest "$@"
echo "==> quality gate: rag eval tests/eval/seeds.jsonl"
.venv/bin/rag eval tests/eval/seeds.jsonl --corpus seeds --quiet \
    --min-accuracy "$MIN_ACCURACY" --min-refusal-accuracy "$MIN_REFUSAL_ACCURACY"
