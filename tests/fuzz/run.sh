#!/bin/sh
# Runs every libFuzzer target of BUILD_DIR (a -DFS_FUZZ=ON build) for SECONDS each, starting
# from the seed corpus in tests/fuzz/corpus/<target>/ and the saved regressions. New inputs go
# to BUILD_DIR/fuzz-corpus/<target>/ (the checked-in seeds are never changed); a crash, a leak,
# a sanitizer report, a failed FUZZ_CHECK or an input slower than 10 s is saved as
# BUILD_DIR/fuzz-artifacts/<target>-crash-* and fails the run.
#
#     tests/fuzz/run.sh build-fuzz 15
#
# With FUZZ_RUNS=N in the environment, each target instead runs exactly N inputs from a fixed
# seed (-seed=1) and a fresh working corpus: the same search on every machine, which is what
# `make test` runs, so that its result does not depend on luck or on the machine's speed. The
# open-ended search is `make fuzz`.
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
  if [ -n "${FUZZ_RUNS:-}" ]; then
    work="$build/fuzz-corpus-fixed/$name"
    rm -rf "$work"
    budget="-runs=$FUZZ_RUNS -seed=1"
    what="$FUZZ_RUNS inputs from seed 1"
  else
    work="$build/fuzz-corpus/$name"
    budget="-max_total_time=$seconds"
    what="${seconds} s"
  fi
  mkdir -p "$work"
  set -- "$work" "$here/corpus/$name"
  [ -d "$here/regressions/$name" ] && set -- "$@" "$here/regressions/$name"
  log="$build/fuzz-artifacts/$name.log"
  # -rss_limit_mb keeps a runaway parser from eating the machine; -max_len bounds one input.
  # shellcheck disable=SC2086 # $budget is two options
  if "$exe" $budget -timeout=10 -rss_limit_mb=1024 -max_len=16384 \
       -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name-" "$@" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $name: ok, ${execs:-?} inputs ($what)"
  else
    echo "fuzz: $name: FAILED (see $log; the input is in $build/fuzz-artifacts/)"
    tail -n 30 "$log"
    status=1
  fi
done
exit $status
