#!/usr/bin/env bash
# Install Debian's PostgreSQL server binaries for the PostgreSQL half of the test suite (issue 8).
# Runs only under CI or with CCTVKIT_INSTALL_PG=1; the tests start their own throw-away server.
set -euo pipefail
if [ -z "${CI:-}" ] && [ -z "${CCTVKIT_INSTALL_PG:-}" ]; then
  exit 0
fi
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-postgres: not root; cannot install postgresql (PostgreSQL tests will fail under CI)" >&2
  exit 0
fi
echo "ensure-postgres: installing Debian's postgresql package" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
