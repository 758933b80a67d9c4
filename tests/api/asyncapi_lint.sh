#!/usr/bin/env bash
# Validates api/asyncapi.yaml with the AsyncAPI CLI (its parser and the
# spectral rules it applies), fetched from npm by npx at test time. Pinned to
# 3.x: 4.x and later need node 22/24, Debian 12 ships node 18. Exit 77
# (ctest: skipped) when npx is not installed or the npm registry cannot be
# reached, saying which; any error or warning the validator reports fails the
# test.
set -uo pipefail
doc="$1"
cli="@asyncapi/cli@3.6.0"
if ! command -v npx >/dev/null; then
  echo "asyncapi_lint: skipped: npx not found (scripts/install-deps.sh installs npm)"
  exit 77
fi
if ! timeout 60 npm view "$cli" version >/dev/null 2>&1; then
  echo "asyncapi_lint: skipped: cannot reach the npm registry for $cli"
  exit 77
fi
export ASYNCAPI_CLI_DISABLE_ANALYTICS=1 DO_NOT_TRACK=1
timeout 540 npx --yes "$cli" validate --fail-severity=warn "$doc"
