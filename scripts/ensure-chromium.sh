#!/usr/bin/env bash
# Install Debian's chromium and chromium-driver for the review page's browser test (issue 15).
# Runs only under CI or with CCTVKIT_INSTALL_CHROMIUM=1; nothing ever downloads a browser of its own.
set -euo pipefail
if [ -z "${CI:-}" ] && [ -z "${CCTVKIT_INSTALL_CHROMIUM:-}" ]; then
  exit 0
fi
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-chromium: not root; cannot install chromium (the browser test will fail under CI)" >&2
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium and chromium-driver packages" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
