#!/usr/bin/env bash
# Builds the Rust core for the Android app and puts what Gradle needs in place (never committed):
#   android/app/src/main/jniLibs/{arm64-v8a,armeabi-v7a,x86_64}/libxuncha.so   (cargo-ndk)
#   android/app/src/generated/kotlin/cn/xuncha/core/ffi/xuncha.kt               (uniffi, via scripts/gen-bindings)
#   android/app/src/generated/kotlin/cn/xuncha/core/ffi/types/xuncha_core.kt    (core's types, likewise)
# Needs: rustup, cargo-ndk (cargo install cargo-ndk --locked) and an Android NDK, found through
# ANDROID_NDK_HOME, or ANDROID_HOME / ANDROID_SDK_ROOT with an ndk/<version> inside (Android
# Studio: SDK Manager → SDK Tools → NDK). Missing Rust targets are added with rustup.
# Env: XUNCHA_PROFILE (cargo profile of the Android libraries, default release).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "build-android-libs.sh: $*" >&2; exit 1; }

abis=(arm64-v8a armeabi-v7a x86_64)
triples=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
min_sdk=26   # android/app/build.gradle.kts minSdk
profile="${XUNCHA_PROFILE:-release}"
jni=android/app/src/main/jniLibs
gen=android/app/src/generated/kotlin

command -v rustup >/dev/null || die "rustup not found (https://rustup.rs)"
cargo ndk --version >/dev/null 2>&1 || die "cargo-ndk not found: cargo install cargo-ndk --locked"
if [ -z "${ANDROID_NDK_HOME:-}" ]; then
  sdk="${ANDROID_HOME:-${ANDROID_SDK_ROOT:-}}"
  [ -n "$sdk" ] && [ -d "$sdk/ndk" ] && [ -n "$(ls -A "$sdk/ndk" 2>/dev/null)" ] \
    || die "no Android NDK: set ANDROID_NDK_HOME, or ANDROID_HOME with an ndk/<version> inside (SDK Manager → NDK)"
fi

installed=$(rustup target list --installed)
for t in "${triples[@]}"; do
  grep -qx "$t" <<<"$installed" || { echo "adding Rust target $t" >&2; rustup target add "$t"; }
done

# 1. The native library, one per ABI, copied by cargo-ndk into jniLibs/<abi>/libxuncha.so.
#    SQLCipher (ADR 0013) needs libcrypto, which the NDK lacks: `vendored-openssl` builds a static
#    OpenSSL per ABI (slow the first time; needs perl and make).
targets=()
for abi in "${abis[@]}"; do targets+=(-t "$abi"); done
cargo ndk "${targets[@]}" --platform "$min_sdk" -o "$jni" build --profile "$profile" -p xuncha-bindings --lib \
  --features vendored-openssl

for abi in "${abis[@]}"; do
  [ -f "$jni/$abi/libxuncha.so" ] || die "cargo-ndk left no $jni/$abi/libxuncha.so"
done

# 2. The Kotlin bindings: generated from a host build of the same sources (the interface does
#    not depend on the target), by the workspace's own uniffi-bindgen.
scripts/gen-bindings >/dev/null
rm -rf "$gen"
mkdir -p "$gen"
cp -R target/bindings/kotlin/. "$gen/"
[ -f "$gen/cn/xuncha/core/ffi/xuncha.kt" ] || die "no generated Kotlin in target/bindings/kotlin"

echo "build-android-libs.sh: native libraries in $jni (${abis[*]}), Kotlin bindings in $gen" >&2
