#!/usr/bin/env bash
# README's first command, scripts/run.sh, end to end against the built
# binary: --no-setup skips apt and the build (CONSILIUM_BIN names the
# binary), everything else runs as a newcomer sees it: the demo into a fresh
# directory, the highlights (agreement, calibration, the adjudication queue,
# a distribution beside its outcome, the audit, verify, the offline proof),
# then `consilium serve` in the foreground. The test waits for the printed
# sign-in lines, runs the three printed curl lines as printed, checks that
# each adjudicator/annotator/admin token signs in, and stops the server.
#   demo_run_test.sh CONSILIUM_BIN SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/demo-run.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "demo_run_test: $*" >&2
  echo "---- run.sh printed:" >&2
  cat "$tmp/out" >&2
  exit 1
}

CONSILIUM_BIN=$bin CONSILIUM_DATA=$tmp/demo CONSILIUM_LISTEN=127.0.0.1:0 \
  "$src/scripts/run.sh" --no-setup >"$tmp/out" 2>&1 &
pid=$!   # run.sh execs the server: this is its pid at the end
for _ in $(seq 1 600); do
  grep -q '^  curl .*/v1/openapi.json$' "$tmp/out" && break
  kill -0 "$pid" 2>/dev/null || { pid=; fail "run.sh ended before serving"; }
  sleep 0.5
done
grep -q '^  curl .*/v1/openapi.json$' "$tmp/out" || fail "no curl lines after 300 s"

# The highlights, in order of the script.
for want in '^==> consilium demo' \
    '^  adjudication \(policy v2\): [0-9]+ decisions' \
    'krippendorff_alpha_nominal' \
    '^dr-adeyemi ' \
    '^case-[0-9]+ +primary_diagnosis +(pending|reopened) ' \
    '^==> case-[0-9]+: the untouched distribution beside the adjudicated outcome' \
    '^  adjudication: decided; #[0-9]+ dr-' \
    '^reads_beyond_assignments: dr-eriksen' \
    '^OK: [0-9]+ events verified' \
    '^verified: all 5 checks passed' \
    '^consilium serve: listening on http://127\.0\.0\.1:[0-9]+'; do
  grep -Eq "$want" "$tmp/out" || fail "missing: $want"
done
# Only dr-eriksen is flagged: adjudicators' reads stay explained.
if grep -E '^(reads_beyond_assignments|outside_usual_hours): ' "$tmp/out" |
    grep -vq 'dr-eriksen'; then
  fail "an anomaly names someone other than dr-eriksen"
fi
for role in admin annotator adjudicator auditor researcher; do
  grep -Eq "^  $role	[a-z-]+	csl_" "$tmp/out" || fail "no $role sign-in line"
done

# The three curl lines, exactly as printed.
n=0
while IFS= read -r line; do
  n=$((n + 1))
  body=$(eval "$line --silent --show-error --fail --max-time 10") ||
    fail "failed: $line"
  case "$line" in
    */healthz) [ -n "$body" ] || fail "empty /healthz" ;;
    */v1/whoami) [[ "$body" == *'"principal":"admin"'* ]] || fail "whoami: $body" ;;
    */v1/openapi.json) [[ "$body" == *'"openapi"'* ]] || fail "openapi: ${body:0:200}" ;;
  esac
done < <(grep '^  curl ' "$tmp/out" | sed 's/^  //')
[ "$n" = 3 ] || fail "expected 3 curl lines, got $n"

# Every printed token signs in as its principal.
port=$(sed -n 's/^consilium serve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out")
while IFS=$'\t' read -r role who token; do
  role=${role# *}
  body=$(curl --silent --show-error --fail --max-time 10 \
    -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/whoami") ||
    fail "$role token of $who refused"
  [[ "$body" == *"\"principal\":\"$who\""* ]] || fail "$role $who: $body"
done < <(grep -E '^  [a-z]+	[a-z-]+	csl_' "$tmp/out")

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || fail "serve exited with $status on SIGTERM"
echo "demo_run_test: run.sh set up, showed the highlights and served; curl lines work"
