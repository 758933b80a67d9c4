#!/usr/bin/env bash
# Lints api/openapi.json with Redocly CLI (its "recommended" rules), fetched
# from npm by npx at test time. Pinned to 1.x: it runs on Debian 12's
# nodejs 18 (Redocly CLI 2.x needs node 20.19 or later). Exit 77 (ctest:
# skipped) when npx is not installed or the npm registry cannot be reached,
# saying which; any problem the linter reports fails the test.
set -uo pipefail
doc="$1"
linter="@redocly/cli@1.34.5"
if ! command -v npx >/dev/null; then
  echo "openapi_lint: skipped: npx not found (scripts/install-deps.sh installs npm)"
  exit 77
fi
if ! timeout 60 npm view "$linter" version >/dev/null 2>&1; then
  echo "openapi_lint: skipped: cannot reach the npm registry for $linter"
  exit 77
fi
timeout 240 npx --yes "$linter" lint --format=stylish --max-problems=100 "$doc"
