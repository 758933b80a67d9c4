#!/usr/bin/env bash
# Fuzz smoke run (docs/fuzzing.md, "Fuzz smoke in CI"): builds every
# libFuzzer target with the `fuzz` CMake preset (clang 14,
# -fsanitize=fuzzer,address,undefined) and runs each one for FUZZ_SECONDS
# (default 60) from its committed seed corpus, FUZZ_JOBS (default 2) at a
# time. Exits non-zero when any target crashes, leaks, times out on an
# input or violates one of its properties; the reproducer is left in
# build/fuzz/smoke/<target>-crash-*, and its log is printed.
#
#   tests/fuzz/smoke.sh                    # all targets, 60 s each
#   FUZZ_SECONDS=10 tests/fuzz/smoke.sh strict_json event_json
#
# What a run adds to its working corpus stays in build/fuzz/smoke/ (the
# committed corpus is only read: docs/fuzzing.md, "Corpus policy").
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
build_jobs=${CONSILIUM_JOBS:-2}

# Every <target>_fuzz.cc is a target (tests/fuzz/CMakeLists.txt checks
# that its list names them all).
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cc; do
    t=$(basename "$f" _fuzz.cc)
    targets+=("$t")
  done
fi

cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j "$build_jobs" --target "${targets[@]/%/_fuzz}"

out=build/fuzz/smoke
rm -rf "$out"
mkdir -p "$out"

run_one() {
  local t=$1 seconds=$2 out=$3
  local extra=()
  if [ "$t" = schema_parser ]; then extra+=(-dict=tests/fuzz/schema.dict); fi
  mkdir -p "$out/$t.corpus"
  # -timeout: an input that takes 25 s is a hang, and a failure.
  if build/fuzz/tests/fuzz/"${t}"_fuzz -max_total_time="$seconds" \
      -timeout=25 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="$out/$t-" "${extra[@]}" \
      "$out/$t.corpus" tests/fuzz/corpus/"$t" >"$out/$t.log" 2>&1; then
    echo "fuzz smoke: $t ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' \
      "$out/$t.log" | grep -o '[0-9]*$') runs in ${seconds} s)"
  else
    echo "fuzz smoke: $t FAILED; log $out/$t.log, reproducer:" \
      "$(ls "$out"/"$t"-* 2>/dev/null | tr '\n' ' ')"
    tail -n 60 "$out/$t.log"
    return 1
  fi
}
export -f run_one

echo "==> fuzz smoke: ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time"
if ! printf '%s\n' "${targets[@]}" |
    xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$out"; then
  echo "fuzz smoke failed: commit each reproducer under tests/fuzz/corpus/<target>/" \
       "and add a unit test (docs/fuzzing.md, \"Corpus policy\")" >&2
  exit 1
fi
echo "==> fuzz smoke passed"
