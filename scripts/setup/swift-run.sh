#!/usr/bin/env bash
# Usage: scripts/setup/swift-run.sh DIR CMD [ARGS...]
# Runs CMD inside the Swift trixie chroot (built by scripts/setup/swift-chroot.sh) with cwd DIR.
# The host DIR is bind-mounted at the same absolute path inside the chroot and /proc is mounted;
# both are unmounted afterwards, whatever happens. Exits with CMD's exit code.
# Chroot location: $XUNCHA_SWIFT_ROOT or /var/cache/xuncha/swift-trixie.
# Note: only DIR is visible inside; pass absolute paths under DIR (e.g. -Xcc -fmodule-map-file=/abs/...).
set -euo pipefail

ROOT="${XUNCHA_SWIFT_ROOT:-/var/cache/xuncha/swift-trixie}"

die() { echo "swift-run.sh: ERROR: $*" >&2; exit 125; }

[ $# -ge 2 ] || { echo "usage: $0 DIR CMD [ARGS...]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "must run as root (mount, chroot)"
[ -f "$ROOT/.xuncha-swift-ok" ] || die "no Swift chroot at $ROOT; run scripts/setup/swift-chroot.sh first"
[ -d "$1" ] || die "not a directory: $1"
DIR="$(realpath -e "$1")"; shift
ROOT="$(realpath -e "$ROOT")"
[ "$DIR" != / ] || die "refusing to bind-mount /"
case "$DIR/" in "$ROOT"/*) die "DIR must not be inside the chroot ($ROOT)";; esac
case "$ROOT/" in "$DIR"/*) die "DIR must not contain the chroot ($ROOT)";; esac

TARGET="$ROOT$DIR"
bound=0 proc=0
cleanup() {
  # Lazy unmount as a fallback if something (a leftover process) still holds a mount.
  if [ "$bound" = 1 ]; then umount "$TARGET" 2>/dev/null || umount -l "$TARGET" || echo "swift-run.sh: WARNING: could not unmount $TARGET" >&2; fi
  if [ "$proc" = 1 ]; then umount "$ROOT/proc" 2>/dev/null || umount -l "$ROOT/proc" || echo "swift-run.sh: WARNING: could not unmount $ROOT/proc" >&2; fi
}
trap cleanup EXIT
child=
on_signal() { # forward to CMD; cleanup runs once it has exited
  if [ -n "$child" ]; then kill "-$1" "$child" 2>/dev/null || true; else exit "$2"; fi
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

mkdir -p "$TARGET"
mount --bind "$DIR" "$TARGET" || die "mount --bind $DIR $TARGET failed"
bound=1
mount -t proc proc "$ROOT/proc" || die "mounting proc in $ROOT failed"
proc=1

# Run CMD in the background (stdin passed through explicitly) so signals can be forwarded.
set +e
chroot "$ROOT" /usr/bin/env -C "$DIR" \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@" <&0 &
child=$!
wait "$child"; rc=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done  # wait was interrupted by a signal
exit "$rc"
