#!/usr/bin/env bash
# The test command the README gives and .ci/run calls: lint, then the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> ruff"
.venv/bin/ruff check .
echo "==> pytest"
.venv/bin/pytest "$@"
