#!/usr/bin/env bash
# Compiles android/shared (plain Kotlin/JVM, no android.*) and its JUnit 5 tests with kotlinc,
# runs them on the desktop JVM and prints JUnit's summary. Exit code: JUnit's (0 = all passed).
#   android/shared/test.sh            (from anywhere; needs root the first time: scripts/setup/kotlin.sh)
# Output classes go to $XUNCHA_ANDROID_SHARED_OUT (default target/android-shared), recompiled
# only when a source or the compiler changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
out=${XUNCHA_ANDROID_SHARED_OUT:-$root/target/android-shared}

env_lines=$("$root/scripts/setup/kotlin.sh")   # a failed setup stops here (eval "$(…)" would not)
eval "$env_lines"

# compile OUT CLASSPATH SRC...: skipped when OUT was built from the same compiler, classpath and sources.
compile() {
  local dest=$1 cp=$2 key; shift 2
  key=$( { echo "$KOTLINC $cp"; sha256sum "$@"; } | sha256sum | cut -d' ' -f1)
  if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$key" ]; then return 0; fi
  rm -rf "$dest"
  echo "kotlinc: compiling $# file(s) into $dest" >&2
  "$KOTLINC" -cp "$cp" -d "$dest" "$@"
  echo "$key" > "$dest/.stamp"
}

mapfile -t main_src < <(find "$here/src/main/kotlin" -name '*.kt' | sort)
mapfile -t test_src < <(find "$here/src/test/kotlin" -name '*.kt' | sort)
compile "$out/main" "$KOTLIN_STDLIB" "${main_src[@]}"
compile "$out/test" "$out/main:$KOTLIN_STDLIB:$JUNIT_CP" "${test_src[@]}"

exec java -jar "$JUNIT_CONSOLE" --disable-banner --disable-ansi-colors --details=tree \
  -cp "$out/test:$out/main:$KOTLIN_STDLIB:$JUNIT_CP" \
  --scan-classpath "$out/test" --include-classname '.*Test' --fail-if-no-tests
