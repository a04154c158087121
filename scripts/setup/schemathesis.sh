#!/usr/bin/env bash
# Installs schemathesis (pinned, from PyPI) into a venv under /var/cache/xuncha (idempotent).
# stdout: SCHEMATHESIS=... (eval-able); progress goes to stderr.
set -euo pipefail

VERSION=4.32.5
VENV=${XUNCHA_SCHEMATHESIS_VENV:-/var/cache/xuncha/schemathesis-$VERSION}
ST="$VENV/bin/schemathesis"

if [ ! -x "$ST" ] || ! "$ST" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "schemathesis.sh: installing schemathesis $VERSION into $VENV" >&2
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
"$ST" --version >&2
echo "SCHEMATHESIS=$ST"
