#!/usr/bin/env bash
# The HTML report in a real browser (issue 19's Must-hold): builds a demo
# ledger, writes the report, opens it in headless Chromium (Debian's
# /usr/bin/chromium, scripts/install-deps.sh) driven by playwright-core from
# npm (pinned: 1.57.0 runs on Debian 12's nodejs 18), which fails on any
# request other than the report file itself and saves a full-page screenshot
# under WORK; then tests/tools/report_check.py compares every figure in the
# rendered DOM with the CLI's --json output.
#
# When npm cannot install playwright-core (offline), it falls back to
# `chromium --headless --dump-dom` and `--screenshot`, says so, and checks
# the file statically for anything that could fetch (report_check.py).
#
# Usage: report_browser.sh CONSILIUM WORK
set -euo pipefail
cli="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
chromium=/usr/bin/chromium
pw_version="1.57.0"
if [ ! -x "$chromium" ]; then
  echo "report_browser: no $chromium: run scripts/install-deps.sh" >&2
  exit 1
fi
mkdir -p "$work"
data="$work/demo-ledger"
rm -rf "$data"
"$cli" demo --data "$data" --seed 3 >/dev/null
seed=11
replicates=200
report="$work/report.html"
rm -f "$report" "$work/report.png" "$work/report-dom.html"
"$cli" report --data "$data" --project dyspnoea-dx --out "$report" \
  --seed "$seed" --replicates "$replicates"

prefix="$work/node"
if [ ! -f "$prefix/node_modules/playwright-core/package.json" ] ||
   ! grep -q "\"version\": \"$pw_version\"" \
     "$prefix/node_modules/playwright-core/package.json"; then
  timeout 240 npm install --prefix "$prefix" --no-audit --no-fund \
    --loglevel=error "playwright-core@$pw_version" >/dev/null 2>&1 || true
fi
if [ -f "$prefix/node_modules/playwright-core/package.json" ]; then
  PLAYWRIGHT_PREFIX="$prefix" timeout 180 node "$here/report_browser.mjs" \
    "$report" "$work/report.png" "$work/report-dom.html"
else
  echo "report_browser: npm could not install playwright-core@$pw_version;" \
       "falling back to chromium --dump-dom and --screenshot (no request" \
       "interception: the file is checked statically instead)"
  flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
         --disable-component-update --no-first-run)
  url="file://$(realpath "$report")"
  timeout 120 "$chromium" "${flags[@]}" --dump-dom "$url" \
    >"$work/report-dom.html" 2>/dev/null
  timeout 120 "$chromium" "${flags[@]}" --window-size=1200,4000 \
    --screenshot="$work/report.png" "$url" >/dev/null 2>&1
  [ -s "$work/report.png" ] || { echo "no screenshot" >&2; exit 1; }
fi
python3 "$here/report_check.py" "$cli" "$data" dyspnoea-dx "$seed" \
  "$replicates" "$report" "$work/report-dom.html"
echo "report_browser: screenshot $work/report.png"
