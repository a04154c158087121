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

# fonts-noto-cjk: without a CJK font the console's Chinese labels render as boxes.
PACKAGES="chromium chromium-driver fonts-noto-cjk"
have_cjk_font() { fc-list :lang=zh 2>/dev/null | grep -q .; }

if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ] || ! have_cjk_font; then
  [ "$(id -u)" -eq 0 ] || die "must run as root to install $PACKAGES"
  export DEBIAN_FRONTEND=noninteractive
  log "installing $PACKAGES"
  # shellcheck disable=SC2086
  if ! apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $PACKAGES >&2 || die "apt-get install $PACKAGES failed"
  fi
  [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ] || die "$CHROMIUM or $CHROMEDRIVER missing after install"
  have_cjk_font || die "no CJK font after installing fonts-noto-cjk"
fi

echo "CHROMIUM=$CHROMIUM"
echo "CHROMEDRIVER=$CHROMEDRIVER"
