#!/usr/bin/env bash
# `make test-latest`: the suite on the newest versions that pyproject.toml's ranges allow, in its own
# venv (.venv-latest), after naming every package whose version differs from uv.lock. A red run here
# with a named package is a dependency's breaking release, caught before a fresh install meets it.
set -euo pipefail
UV="${1:?usage: test-latest.sh UV PYTHON}"
PY="${2:?usage: test-latest.sh UV PYTHON}"
cd "$(dirname "$0")/.."
VENV=.venv-latest
"$UV" venv --quiet --python "$PY" "$VENV"
"$UV" pip install --quiet --python "$VENV/bin/python" --upgrade --resolution highest -e '.[dev]'
"$VENV/bin/python" scripts/lock_drift.py uv.lock
"$VENV/bin/ruff" check cctvkit tests benchmarks
shift 2
"$VENV/bin/python" -m pytest -q --durations=10 "$@"
