#!/usr/bin/env bash
# Builds (once) a Debian trixie chroot with Swift (swiftlang) for the Swift binding tests.
# Debian 12 has no Swift and trixie's swiftlang needs glibc >= 2.38, hence the chroot.
#   ROOT: $XUNCHA_SWIFT_ROOT or /var/cache/xuncha/swift-trixie (keep it outside the repo)
# Reuses ROOT when its marker file exists and `swift --version` works inside it.
# stdout: SWIFT_ROOT=... (eval-able); progress goes to stderr.
# Run things inside it with scripts/setup/swift-run.sh DIR CMD...
set -euo pipefail

ROOT="${XUNCHA_SWIFT_ROOT:-/var/cache/xuncha/swift-trixie}"
SUITE=trixie
SWIFTLANG_VERSION="${SWIFTLANG_VERSION:-6.0.3-2}"   # pinned; falls back to trixie's candidate if gone
# ca-certificates: core's HTTP client (reqwest + rustls-platform-verifier) refuses to start
# without system roots, even for plain-http loopback sync in the tests.
# libssl3t64: libcrypto.so.3, which the host-built library links for SQLCipher (ADR 0013).
PKGS=(libc6-dev ca-certificates libssl3t64)
MARKER="$ROOT/.xuncha-swift-ok"

log() { echo "swift-chroot.sh: $*" >&2; }
die() { echo "swift-chroot.sh: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot, mount)"

mounted_under() { # prints mount points at or below $1
  awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/mounts
}

# --- fast path: reuse a working chroot --------------------------------------
works() {
  [ -f "$MARKER" ] || return 1
  local did_mount=0 ok=0
  if ! mountpoint -q "$ROOT/proc"; then mount -t proc proc "$ROOT/proc" && did_mount=1 || return 1; fi
  chroot "$ROOT" /usr/bin/env PATH=/usr/bin:/bin swift --version >/dev/null 2>&1 && ok=1
  [ "$did_mount" = 1 ] && umount "$ROOT/proc"
  [ "$ok" = 1 ]
}
# A working chroot built before a package joined PKGS gets just the missing ones.
top_up() {
  local missing=() p did_mount=0 rc=0
  for p in "${PKGS[@]}"; do
    chroot "$ROOT" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} into $ROOT"
  if ! mountpoint -q "$ROOT/proc"; then mount -t proc proc "$ROOT/proc" && did_mount=1 || return 1; fi
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' \
    sh "${missing[@]}" >&2 || rc=1
  [ "$did_mount" = 1 ] && umount "$ROOT/proc"
  return "$rc"
}
if works; then
  top_up || die "installing ${PKGS[*]} into $ROOT failed"
  echo "SWIFT_ROOT=$ROOT"
  exit 0
fi

# --- cold build --------------------------------------------------------------
command -v chroot >/dev/null || die "chroot not found"
mkdir -p "$(dirname "$ROOT")"
BUILD="$ROOT.partial"
WORK="$(mktemp -d /tmp/xuncha-debootstrap.XXXXXX)"
cleanup() {
  mountpoint -q "$BUILD/proc" 2>/dev/null && umount "$BUILD/proc" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Never rm -rf a tree that still has something mounted inside (e.g. a bind-mounted host dir).
for d in "$BUILD" "$ROOT"; do
  if [ -n "$(mounted_under "$d")" ]; then
    die "refusing to rebuild: still mounted under $d: $(mounted_under "$d" | tr '\n' ' ')(umount them first)"
  fi
done
[ -e "$ROOT" ] && log "existing $ROOT is incomplete or broken; rebuilding"
rm -rf --one-file-system "$BUILD"

# Mirror: the one apt already uses (first non-security URI), unless overridden.
MIRROR="${XUNCHA_DEBIAN_MIRROR:-}"
if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  MIRROR="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
            /etc/apt/sources.list.d/debian.sources)"
fi
if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list ]; then
  MIRROR="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
            /etc/apt/sources.list)"
fi
[ -n "$MIRROR" ] || die "no Debian mirror found in /etc/apt (set XUNCHA_DEBIAN_MIRROR)"
log "building $SUITE chroot at $ROOT from $MIRROR (takes a few minutes)"

# debootstrap without installing it on the host.
(cd "$WORK" && { apt-get download -qq debootstrap >/dev/null 2>&1 \
   || { apt-get update -qq >&2 && apt-get download -qq debootstrap >/dev/null; }; }) \
  || die "apt-get download debootstrap failed"
dpkg -x "$WORK"/debootstrap_*.deb "$WORK/x"
DEBOOTSTRAP_DIR="$WORK/x/usr/share/debootstrap" \
  "$WORK/x/usr/sbin/debootstrap" --variant=minbase "$SUITE" "$BUILD" "$MIRROR" \
  >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap.log" >&2; [ -f "$BUILD/debootstrap/debootstrap.log" ] \
       && tail -n 30 "$BUILD/debootstrap/debootstrap.log" >&2; die "debootstrap $SUITE failed"; }

mount -t proc proc "$BUILD/proc"   # swiftc (and apt's dpkg) need /proc
in_chroot() { chroot "$BUILD" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
in_chroot apt-get update -qq >"$WORK/apt.log" 2>&1 \
  || { tail -n 30 "$WORK/apt.log" >&2; die "apt-get update inside the chroot failed"; }
if ! in_chroot apt-get install -y -qq --no-install-recommends \
       "swiftlang=$SWIFTLANG_VERSION" "${PKGS[@]}" >"$WORK/apt.log" 2>&1; then
  log "swiftlang=$SWIFTLANG_VERSION not installable; trying trixie's current swiftlang"
  in_chroot apt-get install -y -qq --no-install-recommends swiftlang "${PKGS[@]}" >"$WORK/apt.log" 2>&1 \
    || { tail -n 30 "$WORK/apt.log" >&2; die "apt-get install swiftlang ${PKGS[*]} inside the chroot failed"; }
fi
in_chroot apt-get clean
ver="$(in_chroot swift --version 2>&1)" || { echo "$ver" >&2; die "swift --version fails inside the new chroot"; }
umount "$BUILD/proc"

printf 'built %s\nswiftlang %s\n%s\n' "$(date -u +%FT%TZ)" \
  "$(chroot "$BUILD" dpkg-query -W -f='${Version}' swiftlang)" "$ver" > "$BUILD/.xuncha-swift-ok"
rm -rf --one-file-system "$ROOT"
mv "$BUILD" "$ROOT"
log "done: $(head -n 1 <<<"$ver" | tr -s ' ')"
echo "SWIFT_ROOT=$ROOT"
