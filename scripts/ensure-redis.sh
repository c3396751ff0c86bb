#!/usr/bin/env bash
# Install Debian's redis-server for the Celery half of the jobs tests (issue 16).
# Runs only under CI or with CCTVKIT_INSTALL_REDIS=1; the tests start their own loopback server.
set -euo pipefail
if [ -z "${CI:-}" ] && [ -z "${CCTVKIT_INSTALL_REDIS:-}" ]; then
  exit 0
fi
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-redis: not root; cannot install redis-server (Celery tests will fail under CI)" >&2
  exit 0
fi
echo "ensure-redis: installing Debian's redis-server package" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
