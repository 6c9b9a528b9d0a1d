#!/usr/bin/env bash
# Make sure Playwright has a Chromium to drive. Offline machines cannot run
# `playwright install`, so on Debian (as root) we take Debian's chromium package.
set -euo pipefail
bin=${1:-.venv/bin}
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then
    echo "Chromium for browser tests: $candidate"
    exit 0
  fi
done
if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  echo "Chromium for browser tests: /usr/bin/chromium"
else
  echo "Installing Playwright's own Chromium..."
  "$bin/playwright" install chromium
fi
