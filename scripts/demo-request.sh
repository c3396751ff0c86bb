#!/usr/bin/env bash
# Part of `make demo`: a subject access request on the scratch copy of the sample footage
# (CCTVKIT_CONFIG and CCTVKIT_OPERATOR are set by scripts/demo.sh).
set -euo pipefail
BIN=.venv/bin
source scripts/demo-lib.sh

run $BIN/cctvkit request new --type subject --requester "Alex Doe" --contact "12 High St, Riverside" \
  --received "$(date +%F)" --window "Vehicle gate@2026-10-01T09:00:04/09:00:08" \
  --purpose "copy of my footage at the gate" \
  --identity-method "in person at reception, passport checked" --identity-verified now
RID=$($BIN/cctvkit request ls --json | $BIN/python -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
run $BIN/cctvkit request find "$RID"
run $BIN/cctvkit request estimate "$RID"
# The sample footage is weeks old: a purge now deletes what is past retention, but the request's
# hold keeps the gate footage it needs.
run $BIN/cctvkit purge
run $BIN/cctvkit request review "$RID"
# In real use staff read the contact sheet (or the review page, `request review --serve`) and pass
# --keep-track CLIP:TRACK for the requester. The demo plays the requester as the person whose face
# is largest on the sheet, so that one face stays visible and every other face is masked.
KEEP=$($BIN/cctvkit request review "$RID" --json | $BIN/python -c '
import json, sys
clip = json.load(sys.stdin)[0]
area = lambda t: (t["best_xyxy"][2] - t["best_xyxy"][0]) * (t["best_xyxy"][3] - t["best_xyxy"][1])
print(clip["clip"], max(clip["tracks"], key=area)["track_id"], sep=":")')
run $BIN/cctvkit request process "$RID" --keep-track "$KEEP"
PKG=$(ls -d demo/site/.cctvkit/releases/"$RID"-r1)
run $BIN/cctvkit release verify "$PKG"
run $BIN/cctvkit disclosures
run $BIN/cctvkit request close "$RID" --reason "copy sent by registered mail"
run $BIN/cctvkit audit verify
