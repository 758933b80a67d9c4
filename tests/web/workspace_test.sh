#!/usr/bin/env bash
# The workspace in a real browser (docs/workspace.md, "Browser tests"):
# Debian's chromium driven by playwright-core, with axe-core, both from npm
# at pinned versions installed into the build directory at test time (like
# tests/api/openapi_lint.sh). Exit 77 (ctest: skipped) when chromium or npm
# is not installed or the npm registry cannot be reached, saying which; any
# failure of the scenario fails the test.
#   workspace_test.sh CONSILIUM_BINARY SOURCE_DIR OUT_DIR [SCENARIO]
# SCENARIO: the scenario file of tests/web/ (default workspace.mjs; roles.mjs
# for the adjudicator, researcher and auditor pages).
set -uo pipefail
consilium="$1"
src="$2"
out="$3"
scenario="${4:-workspace.mjs}"
playwright="playwright-core@1.49.1"
axe="axe-core@4.10.2"
if [ ! -x /usr/bin/chromium ]; then
  echo "workspace_test: skipped: /usr/bin/chromium not found (scripts/install-deps.sh installs chromium)"
  exit 77
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "workspace_test: skipped: node/npm not found (scripts/install-deps.sh installs them)"
  exit 77
fi
mkdir -p "$out/npm"
if [ ! -f "$out/npm/node_modules/playwright-core/package.json" ] ||
   [ ! -f "$out/npm/node_modules/axe-core/axe.min.js" ] ||
   ! grep -q '"version": "1.49.1"' "$out/npm/node_modules/playwright-core/package.json"; then
  if ! timeout 60 npm view "$playwright" version >/dev/null 2>&1; then
    echo "workspace_test: skipped: cannot reach the npm registry for $playwright"
    exit 77
  fi
  (cd "$out/npm" && [ -f package.json ] || echo '{"private":true}' > package.json) &&
    timeout 240 npm install --prefix "$out/npm" --no-audit --no-fund --no-save \
      "$playwright" "$axe" || { echo "workspace_test: npm install failed"; exit 1; }
fi
NODE_PATH="$out/npm/node_modules" timeout 600 node "$src/tests/web/$scenario" \
  "$consilium" "$out"
