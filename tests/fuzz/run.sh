#!/bin/sh
# Runs every libFuzzer target of BUILD_DIR (a -DFS_FUZZ=ON build) for SECONDS each, starting
# from the seed corpus in tests/fuzz/corpus/<target>/ and the saved regressions. New inputs go
# to BUILD_DIR/fuzz-corpus/<target>/ (the checked-in seeds are never changed); a crash, a leak,
# a sanitizer report, a failed FUZZ_CHECK or an input slower than 10 s is saved as
# BUILD_DIR/fuzz-artifacts/<target>-crash-* and fails the run.
#
#     tests/fuzz/run.sh build-fuzz 15
set -u
build=${1:?usage: run.sh BUILD_DIR [SECONDS]}
seconds=${2:-15}
here=$(cd "$(dirname "$0")" && pwd)
status=0
# A smaller ASan quarantine keeps RSS flat while the INI target expands large host ranges.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=64}"

mkdir -p "$build/fuzz-artifacts"
for exe in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$exe" ] || continue
  name=${exe##*/fuzz_}
  work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  set -- "$work" "$here/corpus/$name"
  [ -d "$here/regressions/$name" ] && set -- "$@" "$here/regressions/$name"
  log="$build/fuzz-artifacts/$name.log"
  # -rss_limit_mb keeps a runaway parser from eating the machine; -max_len bounds one input.
  if "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -max_len=16384 \
       -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name-" "$@" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $name: ok, ${execs:-?} inputs in ${seconds} s"
  else
    echo "fuzz: $name: FAILED (see $log; the input is in $build/fuzz-artifacts/)"
    tail -n 30 "$log"
    status=1
  fi
done
exit $status
