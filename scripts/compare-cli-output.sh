#!/usr/bin/env bash
# Compares what two consilium binaries print (stdout, stderr and exit code)
# for the read commands of scripts/run.sh and more, on one demo ledger and
# on the reference rating tables in ../shared/data/agreement. For
# refactorings that must leave the CLI's output byte-identical (issue 14).
#
#   scripts/compare-cli-output.sh BASE_BIN NEW_BIN
#
# The demo ledger is built once, with BASE_BIN, by scripts/run.sh's steps,
# then copied so each binary reads its own copy of the same bytes (a read
# must not change the other's input). Writes (import, assign, append) run
# last, each binary on its own copy; their hashes cover the clock's
# timestamp, so in their output every 64-hex-digit hash and every time is
# masked. Checkpoint signing is left out (a signed timestamp). Exit 0 when every output is identical; otherwise the
# differing commands and a diff of each, and exit 1. CONSILIUM_COMPARE_KEEP=1
# keeps the work directory.
set -uo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 BASE_BIN NEW_BIN" >&2
  exit 2
fi
base=$(realpath "$1")
new=$(realpath "$2")
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${CONSILIUM_SHARED_DATA:-$repo/../shared/data}
csvs=$shared/agreement
work=$(mktemp -d /tmp/compare-cli.XXXXXX)
if [ "${CONSILIUM_COMPARE_KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
cd "$repo"

# ---- the demo ledger (scripts/run.sh's steps, quiet) ----
data=$work/demo
project=icu-demo
annotators=(dr-ada dr-ben dr-cho)
{
  set -e
  "$base" init --data "$data"
  "$base" project create --data "$data" --id "$project" \
    --name "ICU severity: calibration round 1" --overlap 3
  "$base" schema publish schemas/examples/icu-severity.json --data "$data"
  "$base" schema publish schemas/examples/dx-reasoning.json --data "$data"
  "$base" import records tools/demo/records.jsonl --data "$data" --project "$project"
  for a in "${annotators[@]}"; do
    "$base" user add "$a" --role annotator --project "$project" --data "$data"
  done
  for r in 1 2 3 4 5 6; do
    for a in "${annotators[@]}"; do
      "$base" assign --data "$data" --project "$project" --record "rec-000$r" \
        --annotator "$a"
    done
  done
  "$base" assign --data "$data" --project "$project" --record rec-0007 --annotator dr-ada
  "$base" batch create --data "$data" --project "$project" --id cal-1 \
    --records rec-0001,rec-0002,rec-0003,rec-0004,rec-0005,rec-0006
  "$base" annotate tools/demo/annotations.jsonl --data "$data"
  # Access events (scripts/run.sh makes none; the server will), for `access`.
  printf '%s\n' \
    '{"type":"AccessRecorded","actor":"dr-ada","request_id":"cmp-1","body":{"resource_kind":"record","resource_id":"rec-0004","action":"read","allowed":true,"purpose":"annotation","record_id":"rec-0004","project_id":"icu-demo"}}' \
    '{"type":"AccessRecorded","actor":"dr-ben","request_id":"cmp-2","body":{"resource_kind":"record","resource_id":"rec-0004","action":"read","allowed":false,"purpose":"research","reason":"not assigned \"rec-0004\"","record_id":"rec-0004","project_id":"icu-demo"}}' \
    '{"type":"AccessRecorded","actor":"dr-ada","request_id":"cmp-3","body":{"resource_kind":"annotations","resource_id":"rec-0001","action":"list","allowed":true,"purpose":"adjudication"}}' \
    | "$base" append --data "$data"
  "$base" keygen --name consilium.demo/ledger --out "$work/demo.key"
  "$base" configure --data "$data" --checkpoint-key "$work/demo.key"
  set +e
} > "$work/setup.log" 2>&1 || { echo "demo ledger setup failed:" >&2; cat "$work/setup.log" >&2; exit 2; }
cp -a "$data" "$work/demo-base"
cp -a "$data" "$work/demo-new"

# ---- bad inputs for the error paths ----
printf 'not json\n{"type":"nope"}\n' > "$work/bad-events.jsonl"
printf '{"record":"rec-0001"}\nnot json\n' > "$work/bad-annotations.jsonl"
printf '\xff\xfebinary' > "$work/utf16.csv"
printf '%s\n' '{"id":"rec-0101","text":"new \"quoted\" record"}' \
  'not json' '{"id":"rec-0102","text":"another"}' > "$work/new-records.jsonl"
printf '%s\n' \
  '{"type":"AccessRecorded","actor":"dr-cho","request_id":"cmp-9","body":{"resource_kind":"record","resource_id":"rec-0101","action":"read","allowed":true}}' \
  '{"type":"AccessRecorded","actor":"dr-cho","request_id":"cmp-9","body":{"resource_kind":"record","resource_id":"rec-0101","action":"read","allowed":true}}' \
  > "$work/new-events.jsonl"
printf 'a,b\n' > "$work/header-only.csv"

# Each line: a command's arguments; DATA stands for the binary's own ledger
# copy, STDIN=FILE feeds FILE on stdin.
cases=$work/cases
{
  echo "head --data DATA"
  echo "verify --data DATA"
  echo "events --data DATA"
  echo "event --data DATA --seq 2"
  echo "event --data DATA --seq 2 --raw"
  echo "proof inclusion --data DATA --seq 2"
  echo "agreement --data DATA --project $project --batch cal-1"
  echo "agreement --data DATA --project $project --batch cal-1 --json"
  echo "agreement --data DATA --project $project"
  echo "agreement --data DATA --project $project --json --threshold 0.9"
  echo "agreement --data DATA --project $project --as-of 30 --json"
  echo "agreement --data DATA --project $project --field nope"
  echo "agreement --data DATA --project $project --as-of 999999"
  echo "calibration --data DATA --project $project"
  echo "calibration --data DATA --project $project --json"
  echo "calibration --data DATA --project $project --annotator dr-ada --json"
  for r in 1 2 3 4 5 6 7; do
    echo "distribution --data DATA --record rec-000$r"
    echo "distribution --data DATA --record rec-000$r --json"
  done
  echo "distribution --data DATA --record nope"
  echo "access --data DATA --record rec-0004"
  echo "access --data DATA --record rec-0004 --json"
  echo "access --data DATA --principal dr-ada --json"
  echo "access --data DATA --principal dr-ada --from 2000-01-01T00:00:00Z --json"
  echo "access --data DATA"
  echo "access --data DATA --record rec-0001 --from yesterday"
  for f in "$csvs"/*.csv; do
    for level in nominal ordinal interval ratio; do
      echo "agreement --csv $f --level $level"
      echo "agreement --csv $f --level $level --json"
    done
    echo "agreement --csv $f --item-column first --json"
    for m in dawid-skene majority; do
      echo "aggregate --csv $f --method $m"
      echo "aggregate --csv $f --method $m --json"
      echo "aggregate --csv $f --method $m --long --json"
      echo "aggregate --csv $f --method $m --long"
    done
  done
  echo "aggregate --csv $csvs/crowdkit_ds_toy_5tasks.csv --long --method dawid-skene --json --smoothing 0 --tolerance 0"
  echo "aggregate --csv $csvs/crowdkit_ds_toy_5tasks.csv --long --method dawid-skene --json --max-iterations 1"
  echo "agreement --csv $work/utf16.csv"
  echo "agreement --csv $work/header-only.csv --json"
  echo "agreement --csv /nonexistent.csv"
  echo "agreement"
  echo "agreement --csv $csvs/vision.csv --data DATA"
  echo "agreement --csv $csvs/vision.csv --level bogus"
  echo "aggregate --csv $csvs/vision.csv --method bogus"
  echo "annotate $work/bad-annotations.jsonl --data DATA"
  echo "import records $work/bad-annotations.jsonl --data DATA --project $project"
  echo "append --data DATA STDIN=$work/bad-events.jsonl"
  echo "nosuchcommand"
  echo "--help"
  echo "agreement --help"
  # Writes last (each binary appends to its own copy): their results carry
  # hashes over the clock's timestamp, so hashes and times are masked.
  echo "MASK import records $work/new-records.jsonl --data DATA --project $project"
  echo "MASK assign --data DATA --project $project --record rec-0101 --annotator dr-ben"
  echo "MASK append --data DATA STDIN=$work/new-events.jsonl"
  echo "MASK head --data DATA"
  echo "MASK verify --data DATA"
} > "$cases"

run() {  # BIN DATA ARGS... -> stdout, stderr, exit code in $out.{1,2,rc}
  local bin=$1 d=$2 out=$3
  shift 3
  local args=() stdin=/dev/null a
  for a in "$@"; do
    case $a in
      DATA) args+=("$d") ;;
      STDIN=*) stdin=${a#STDIN=} ;;
      *) args+=("$a") ;;
    esac
  done
  "$bin" "${args[@]}" < "$stdin" > "$out.1" 2> "$out.2"
  echo $? > "$out.rc"
}

n=0 failed=0
while IFS= read -r line; do
  n=$((n + 1))
  read -r -a words <<< "$line"
  mask=0
  if [ "${words[0]}" = MASK ]; then
    mask=1
    words=("${words[@]:1}")
  fi
  run "$base" "$work/demo-base" "$work/base.$n" "${words[@]}"
  run "$new" "$work/demo-new" "$work/new.$n" "${words[@]}"
  for s in 1 2 rc; do
    # The binary's own path may appear in usage text: name both alike.
    sed -i "s#$base#consilium#g; s#$new#consilium#g" "$work/base.$n.$s" "$work/new.$n.$s"
    if [ $mask = 1 ]; then
      sed -i -E 's/[0-9a-f]{64}/<hash>/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/<time>/g' \
        "$work/base.$n.$s" "$work/new.$n.$s"
    fi
    if ! cmp -s "$work/base.$n.$s" "$work/new.$n.$s"; then
      failed=$((failed + 1))
      echo "DIFFERS ($s): consilium $line"
      diff "$work/base.$n.$s" "$work/new.$n.$s" | head -20
    fi
  done
done < "$cases"

bytes=$(cat "$work"/base.*.1 | wc -c)
if [ "$failed" -ne 0 ]; then
  echo "compare-cli-output: $failed difference(s) over $n commands" >&2
  exit 1
fi
echo "compare-cli-output: $n commands, stdout/stderr/exit code identical ($bytes bytes of stdout)"
