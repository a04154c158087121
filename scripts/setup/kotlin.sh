#!/usr/bin/env bash
# Installs what the Kotlin binding tests need (idempotent):
#   - Debian: libjna-java, junit5 (and a JRE / npm if missing)
#   - kotlin-compiler (pinned) from the npm registry, unpacked in /var/cache/xuncha/kotlin
# stdout: only KEY=VALUE lines, so callers can: eval "$(scripts/setup/kotlin.sh)"
# Everything else goes to stderr.
set -euo pipefail

KOTLIN_VERSION="${KOTLIN_VERSION:-2.4.20}"
CACHE="${XUNCHA_CACHE:-/var/cache/xuncha}/kotlin"
KDIR="$CACHE/kotlin-compiler-$KOTLIN_VERSION"

log() { echo "kotlin.sh: $*" >&2; }
die() { echo "kotlin.sh: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (installs Debian packages, writes $CACHE)"

# Install Debian packages that are not yet installed; apt-get update only if needed.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    log "apt-get update (installing: ${missing[*]})"
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
      || die "apt-get install ${missing[*]} failed"
  fi
}

# A JRE for kotlinc/junit, npm to fetch the compiler (only if absent: node may come from elsewhere).
command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
command -v npm  >/dev/null 2>&1 || apt_install npm
apt_install libjna-java junit5

J=/usr/share/java
JNA_JAR="$J/jna.jar"
JUNIT_CONSOLE="$J/junit-platform-console-standalone.jar"
JUNIT_CP="$J/junit-jupiter-api.jar:$J/apiguardian-api.jar:$J/opentest4j.jar"
for f in "$JNA_JAR" "$JUNIT_CONSOLE" ${JUNIT_CP//:/ }; do
  [ -f "$f" ] || die "expected $f after installing libjna-java junit5"
done

# Kotlin compiler from npm (the npm package wraps the official zip: package/bin, package/lib).
if [ ! -x "$KDIR/bin/kotlinc-jvm" ] || [ ! -f "$KDIR/.complete" ]; then
  log "fetching kotlin-compiler@$KOTLIN_VERSION from npm"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null 2>"$tmp/npm.log") \
    || { cat "$tmp/npm.log" >&2; die "npm pack kotlin-compiler@$KOTLIN_VERSION failed"; }
  tar xzf "$tmp/kotlin-compiler-$KOTLIN_VERSION.tgz" -C "$tmp" || die "cannot unpack kotlin-compiler tgz"
  [ -f "$tmp/package/bin/kotlinc-jvm" ] || die "kotlin-compiler tgz has no package/bin/kotlinc-jvm"
  chmod +x "$tmp"/package/bin/*
  touch "$tmp/package/.complete"
  rm -rf "$KDIR"
  mv "$tmp/package" "$KDIR"
  rm -rf "$tmp"; trap - EXIT
fi

KOTLINC="$KDIR/bin/kotlinc-jvm"
KOTLIN_STDLIB="$KDIR/lib/kotlin-stdlib.jar"
KOTLIN_TEST="$KDIR/lib/kotlin-test.jar"
KOTLINX_COROUTINES="$KDIR/lib/kotlinx-coroutines-core-jvm.jar"
[ -f "$KOTLIN_STDLIB" ] || die "missing $KOTLIN_STDLIB"

echo "KOTLINC=$KOTLINC"
echo "KOTLIN_STDLIB=$KOTLIN_STDLIB"
echo "KOTLIN_TEST=$KOTLIN_TEST"
[ -f "$KOTLINX_COROUTINES" ] && echo "KOTLINX_COROUTINES=$KOTLINX_COROUTINES"
echo "JNA_JAR=$JNA_JAR"
echo "JUNIT_CONSOLE=$JUNIT_CONSOLE"
echo "JUNIT_CP=$JUNIT_CP"
