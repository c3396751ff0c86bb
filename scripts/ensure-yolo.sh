#!/usr/bin/env bash
# Install the [yolo] extra with PyTorch's CPU build, for the YOLO backend's end-to-end tests (issue 18).
# Runs only under CI or with CCTVKIT_INSTALL_YOLO=1 (about 1.2 GB installed); elsewhere the tests that
# need it skip. Exactly the versions and hashes of requirements/yolo.txt (made by `make lock`).
set -euo pipefail
UV="${1:?usage: ensure-yolo.sh UV PYTHON}"
PY="${2:?usage: ensure-yolo.sh UV PYTHON}"
if [ -z "${CI:-}" ] && [ -z "${CCTVKIT_INSTALL_YOLO:-}" ]; then
  exit 0
fi
if "$PY" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("ultralytics") is None)'; then
  exit 0
fi
start=$(date +%s)
# torch==2.13.0+cpu is the CPU wheel on this machine kind's disk (/opt/wheels, 190 MB): pinned so that
# ultralytics' "torch>=1.8" cannot pull PyPI's CUDA build and its nvidia-* wheels. torchvision 0.28.0
# is PyPI's CUDA-linked build: ultralytics reads its version at import, but its compiled ops cannot
# load beside CPU torch, so here only models with an NMS-free head (YOLO26) run.
"$UV" pip install --quiet --python "$PY" --require-hashes --no-deps --find-links /opt/wheels -r requirements/yolo.txt
"$PY" -c 'import sys, torch; sys.exit(f"a CUDA build of torch was installed ({torch.__version__})" if torch.version.cuda else 0)'
echo "ensure-yolo: torch (CPU) and ultralytics installed in $(( $(date +%s) - start )) s"
