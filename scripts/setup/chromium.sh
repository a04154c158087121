#!/usr/bin/env bash
# Installs Debian's chromium + chromium-driver for browser tests (idempotent).
# stdout: CHROMIUM=... CHROMEDRIVER=... (eval-able); progress goes to stderr.
# Start the browser with: --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
#   --disable-background-networking --disable-component-update --disable-sync --user-data-dir=NEWDIR
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }
die() { echo "chromium.sh: ERROR: $*" >&2; exit 1; }

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ]; then
  [ "$(id -u)" -eq 0 ] || die "must run as root to install chromium chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  log "installing chromium chromium-driver"
  if ! apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2 \
      || die "apt-get install chromium chromium-driver failed"
  fi
  [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ] || die "$CHROMIUM or $CHROMEDRIVER missing after install"
fi

echo "CHROMIUM=$CHROMIUM"
echo "CHROMEDRIVER=$CHROMEDRIVER"
