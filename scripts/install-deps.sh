#!/usr/bin/env bash
# Installs the Debian 12 packages Consilium builds and tests with, when any
# is missing. Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

# Keep this list complete: scripts/check-deps.py (run by scripts/test.sh after
# the Release build, and as a ctest) fails naming any package the build, the
# binaries or the tests use that neither this list nor
# scripts/install-oracles.sh installs, directly or as a dependency.
packages=(
  g++ cmake ninja-build ccache pkg-config git
  clang-14 libclang-rt-14-dev  # libFuzzer: the fuzz preset and tests/fuzz/smoke.sh
  librocksdb-dev libflatbuffers-dev flatbuffers-compiler
  libboost1.81-dev libboost-json1.81-dev
  libssl-dev libfmt-dev libcli11-dev
  libre2-dev  # the de-identification detectors in deid/: linear-time regexes, RE2::Set
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  python3 python3-nacl
  python3-pandas python3-jsonschema  # snapshot tests: data.jsonl loads in pandas, lines match docs/schemas/snapshot-line.schema.json
  python3-websockets  # examples/follow.py and the WebSocket tests, tests/api/ws_stream_test.py
  dpkg-dev
  python3-jsonschema  # tests/api/validate_response.py: responses against api/openapi.json
  wrk  # consilium bench api: HTTP load on loopback
  nodejs npm  # npx fetches the OpenAPI linter at test time (tests/api/openapi_lint.sh)
  curl jq  # docs/api-walkthrough.md's shell blocks, run by AppWalkthroughTest
  chromium  # headless browser tests: the HTML report, tests/tools/report_browser.sh; the workspace, tests/web/workspace_test.sh
)

# A name an installed package Provides counts as present (NodeSource's
# nodejs provides npm, and conflicts with Debian's).
provided=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Provides},\n' 2>/dev/null |
  sed -n 's/^ii *//p' | sed 's/([^)]*)//g' | tr ',\n' '  ' | tr -s ' ') "
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    [[ "$provided" == *" $p "* ]] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
