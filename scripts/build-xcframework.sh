#!/usr/bin/env bash
# Builds the Rust core for the iOS app, on a Mac with Xcode (never committed):
#   ios/App/Frameworks/XunchaCoreFFI.xcframework   static libxuncha.a for aarch64-apple-ios and
#                                                  aarch64-apple-ios-sim, with the C header and
#                                                  module map of the `xunchaFFI` module
#   ios/App/Generated/*.swift                      uniffi-generated Swift (via scripts/gen-bindings):
#                                                  XunchaFFI.swift and XunchaCoreTypes.swift
# Then: cd ios/App && xcodegen generate && open Xuncha.xcodeproj (see ios/README.md).
# Env: XUNCHA_PROFILE (cargo profile of the iOS libraries, default release).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "build-xcframework.sh: $*" >&2; exit 1; }

[ "$(uname -s)" = Darwin ] || die "builds iOS libraries with Xcode, so it runs only on macOS (this is $(uname -s)).
On Linux the Swift wrapper is tested instead by scripts/test (ios/XunchaCore in a Swift chroot)."
command -v xcodebuild >/dev/null || die "xcodebuild not found: install Xcode, then xcode-select --install"
command -v rustup >/dev/null || die "rustup not found (https://rustup.rs)"

triples=(aarch64-apple-ios aarch64-apple-ios-sim)
profile="${XUNCHA_PROFILE:-release}"
case "$profile" in dev) out_dir=debug ;; *) out_dir="$profile" ;; esac
export IPHONEOS_DEPLOYMENT_TARGET=16.0   # ios/App/project.yml; also used by cc for SQLite and ring

installed=$(rustup target list --installed)
# SQLCipher (ADR 0013) uses Apple's CommonCrypto here: libsqlite3-sys picks it when host and
# target are both Apple and no OpenSSL location is given, so no OpenSSL is built or linked.
unset OPENSSL_DIR OPENSSL_LIB_DIR OPENSSL_INCLUDE_DIR
for t in "${triples[@]}"; do
  grep -qx "$t" <<<"$installed" || { echo "adding Rust target $t" >&2; rustup target add "$t"; }
  cargo build -p xuncha-bindings --lib --profile "$profile" --target "$t"
  [ -f "target/$t/$out_dir/libxuncha.a" ] || die "no target/$t/$out_dir/libxuncha.a after the build"
done

# Swift bindings, C header and module map from a host build of the same sources.
scripts/gen-bindings >/dev/null
swift_out=target/bindings/swift

# The xcframework's headers: the module map must be called module.modulemap to be found.
headers=target/xcframework/headers
rm -rf target/xcframework
mkdir -p "$headers"
cp "$swift_out"/*.h "$headers/"
cp "$swift_out/xunchaFFI.modulemap" "$headers/module.modulemap"

app=ios/App
rm -rf "$app/Frameworks/XunchaCoreFFI.xcframework"
mkdir -p "$app/Frameworks" "$app/Generated"
args=()
for t in "${triples[@]}"; do args+=(-library "target/$t/$out_dir/libxuncha.a" -headers "$headers"); done
xcodebuild -create-xcframework "${args[@]}" -output "$app/Frameworks/XunchaCoreFFI.xcframework"
rm -f "$app"/Generated/*.swift
cp "$swift_out"/*.swift "$app/Generated/"

echo "build-xcframework.sh: $app/Frameworks/XunchaCoreFFI.xcframework and the Swift in $app/Generated are ready" >&2
