#!/usr/bin/env bash
# Install Debian's redis-server for the Celery half of the jobs tests (issue 16), and set it up the
# way the README recommends for a broker (issue 30): an append-only file, so a restart keeps the
# queued chunks (Debian's package starts Redis with `appendonly no`: a restart empties the queue,
# and the coordinator must then notice and send the chunks again).
# Runs only under CI or with CCTVKIT_INSTALL_REDIS=1; the tests start their own loopback server
# (tests/jobs/cluster.py, append-only too, except where a test wants a restart to empty it).
set -euo pipefail
if [ -z "${CI:-}" ] && [ -z "${CCTVKIT_INSTALL_REDIS:-}" ]; then
  exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-redis: not root; cannot install redis-server (Celery tests will fail under CI)" >&2
    exit 0
  fi
  echo "ensure-redis: installing Debian's redis-server package" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
# Persistence for the packaged server: in its config file (for the next start) and, when it is
# running on the default port, at once (CONFIG SET starts the rewrite of the append-only file).
conf=/etc/redis/redis.conf
if [ -w "$conf" ] && grep -q '^appendonly no' "$conf"; then
  sed -i 's/^appendonly no/appendonly yes/' "$conf"
  echo "ensure-redis: $conf: appendonly yes" >&2
fi
if command -v redis-cli >/dev/null 2>&1 && redis-cli -p 6379 ping >/dev/null 2>&1; then
  if [ "$(redis-cli -p 6379 config get appendonly | tail -n 1)" != "yes" ]; then
    redis-cli -p 6379 config set appendonly yes >/dev/null && echo "ensure-redis: running server: appendonly yes" >&2
  fi
fi
