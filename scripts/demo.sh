#!/usr/bin/env bash
# The main job on the bundled sample footage, in a scratch copy (demo/) so the repository's
# sample_footage/ is never modified: index, status, purge plan, redaction, a subject access request.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
source scripts/demo-lib.sh
export CCTVKIT_OPERATOR="${CCTVKIT_OPERATOR:-demo-operator}"
export CCTVKIT_CONFIG="$PWD/demo/site/cctvkit.toml"
# Printed too, so that the output pasted into a shell redoes the demo from the start.
show cd "$PWD"
show export "CCTVKIT_OPERATOR=$CCTVKIT_OPERATOR" "CCTVKIT_CONFIG=$CCTVKIT_CONFIG"
run rm -rf demo
run mkdir -p demo
run cp -r sample_footage demo/site
run rm -rf demo/site/.cctvkit

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
