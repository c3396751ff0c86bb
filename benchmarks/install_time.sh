#!/usr/bin/env bash
# Install time of `make demo` on a fresh clone, before and after a change, side by side in one run:
#   bash benchmarks/install_time.sh BEFORE_REV AFTER_REV
# Each revision is cloned fresh and its demo's install step (`make` of the demo's install stamp) is timed
# with empty pip and uv caches, as on a new machine; then the rest of the demo is timed.
set -euo pipefail
before="${1:?usage: install_time.sh BEFORE_REV AFTER_REV}"
after="${2:?usage: install_time.sh BEFORE_REV AFTER_REV}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$repo/../shared" "$work/shared" 2>/dev/null || true
for rev in "$before" "$after"; do
  dir="$work/$rev"
  git clone --quiet "$repo" "$dir" && git -C "$dir" checkout --quiet "$rev"
  target=$(make -C "$dir" -pn demo 2>/dev/null | grep -oE '^demo: .*' | awk '{print $2}')
  export PIP_NO_CACHE_DIR=1 UV_CACHE_DIR="$work/uv-cache-$rev"
  t0=$(date +%s.%N)
  make -C "$dir" --quiet "$target" >/dev/null
  t1=$(date +%s.%N)
  make -C "$dir" --quiet demo >/dev/null 2>&1
  t2=$(date +%s.%N)
  printf '%-10s install %6.1f s   rest of the demo %6.1f s   (%s)\n' "$rev" \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(git -C "$dir" log -1 --format=%s | cut -c1-60)"
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
