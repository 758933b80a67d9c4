#!/usr/bin/env bash
# Sets up and runs every test: installs missing Debian packages, builds the
# Release and the ASan+UBSan configurations, and runs the whole suite in both
# through ctest (the server crash loop and edge tests of tests/reliability/
# included, CONSILIUM_CRASH_CYCLES cycles, default 5); then the concurrency
# tests under ThreadSanitizer (the tsan preset: its build preset names the
# test binaries, its test preset selects the concurrency suites by name) and
# the server's suites under ThreadSanitizer too (tsan-server), and
# a fuzz smoke run of every libFuzzer target (tests/fuzz/smoke.sh,
# FUZZ_SECONDS each, default 60). This is the
# command README.md names and .ci/run calls. docs/reliability.md says what
# each step proves and how long the whole run takes.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
if [ -x scripts/install-oracles.sh ]; then scripts/install-oracles.sh; fi

jobs=${CONSILIUM_JOBS:-2}
for preset in release asan; do
  echo "==> build: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  if [ "$preset" = release ]; then
    # Every package the configured build, its binaries and the tests use
    # must come from install-deps.sh or install-oracles.sh (also a ctest).
    echo "==> dependency check"
    /usr/bin/python3 scripts/check-deps.py --build-dir build/release
  fi
  echo "==> test: $preset"
  ctest --preset "$preset" -j "$jobs"
done

echo "==> build: tsan (concurrency tests only)"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs"
echo "==> test: tsan"
ctest --preset tsan -j "$jobs"
# The server under TSan: its I/O threads, strands, blocking pool, WebSocket
# queues and SIGTERM draining, in process and as a spawned `consilium serve`
# (TSAN_OPTIONS reaches it through the environment).
echo "==> build: tsan-server"
cmake --build --preset tsan-server -j "$jobs"
echo "==> test: tsan-server"
ctest --preset tsan-server -j "$jobs"

echo "==> fuzz smoke"
CONSILIUM_JOBS="$jobs" FUZZ_JOBS="$jobs" tests/fuzz/smoke.sh

echo "==> all tests passed (release, asan, tsan subset, tsan-server, fuzz smoke)"
