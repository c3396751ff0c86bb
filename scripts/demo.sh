#!/usr/bin/env bash
# The main job on the bundled sample footage, in a scratch copy (demo/) so the repository's
# sample_footage/ is never modified: index, status, purge plan, redaction, a subject access request.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export CCTVKIT_OPERATOR="${CCTVKIT_OPERATOR:-demo-operator}"
rm -rf demo
mkdir -p demo
cp -r sample_footage demo/site
rm -rf demo/site/.cctvkit
export CCTVKIT_CONFIG="$PWD/demo/site/cctvkit.toml"
run() { printf '\n$ %s\n' "$*"; "$@"; }

run $BIN/cctvkit index scan
run $BIN/cctvkit status
run $BIN/cctvkit index ls --camera gate
if $BIN/cctvkit purge --help >/dev/null 2>&1; then
  run $BIN/cctvkit purge --dry-run
fi
run $BIN/cctvkit redact demo/site/archive/gate/gate_20261001_090000.mp4 -o demo/gate_redacted.mp4 --review
if [ -f scripts/demo-request.sh ]; then
  bash scripts/demo-request.sh
fi
printf '\nDone. In demo/: the redacted clip, its contact sheet of face tracks and JSON report; the release package is in demo/site/.cctvkit/releases/.\n'
