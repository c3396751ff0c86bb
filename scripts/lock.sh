#!/usr/bin/env bash
# `make lock`: refresh uv.lock to the newest versions that pyproject.toml's ranges allow, then the hashed
# requirement files derived from it. Run on purpose, review the diff, run `make test`, commit.
set -euo pipefail
UV="${1:?usage: lock.sh UV}"
cd "$(dirname "$0")/.."
"$UV" lock --upgrade
# The [yolo] extra is installed by pip-compatible hashed requirements rather than `uv sync`, because
# its torch must be the CPU wheel on this machine kind's disk (/opt/wheels), which uv's lock cannot
# name portably; everything it shares with the application is held to the lock's versions.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$UV" export --quiet --frozen --extra dev --no-hashes --no-emit-project --format requirements-txt -o "$tmp/lock.txt"
printf 'ultralytics==8.4.190\ntorch==2.13.0+cpu\ntorchvision==0.28.0\n' > "$tmp/yolo.in"
"$UV" pip compile --quiet "$tmp/yolo.in" -c "$tmp/lock.txt" --find-links /opt/wheels --generate-hashes --no-annotate \
  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header -o requirements/yolo.txt
"$UV" pip compile --quiet - --generate-hashes --python-version 3.11 --no-header -o requirements/uv.txt \
  <<< "uv==$("$UV" --version | cut -d' ' -f2)"
echo "lock: uv.lock, requirements/yolo.txt and requirements/uv.txt refreshed; review with git diff"
