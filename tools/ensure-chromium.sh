#!/usr/bin/env bash
# Make sure Debian's Chromium is installed. (No emoji font: the traffic lights are drawn, not emoji.)
# Used by `make pdf` and by CI (.ci/run). Nothing is downloaded outside Debian's packages.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || [ -n "${RAPPORTBOK_CHROMIUM:-}" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installerar Chromium från Debians paket (chromium) ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "Chromium saknas. Installera Debians paket: sudo apt-get install chromium" >&2
exit 1
