#!/usr/bin/env bash
# Sets up and runs the product on this machine: installs missing Debian
# packages, builds Release, and creates the demo project in ./data/demo with
# `consilium demo` (docs/demo.md): 500 synthetic case vignettes, the
# reasoning-aware diagnosis schema and its revision, six physicians of known
# skill and calibration, two calibration batches, model pre-labels,
# adjudications (some decided, one escalated, one re-opened, a queue
# waiting) and three weeks of access events. Then it shows the highlights:
# agreement, the physicians' calibration (Dawid-Skene recovers the planted
# skills), the adjudication queue, a label distribution beside its
# adjudicated outcome, the audit answers; signs a checkpoint, verifies the
# ledger, and checks an inclusion proof offline the way an auditor would.
# Last, `consilium serve` runs in the foreground: it prints the URL, a
# sign-in token per role and three curl lines to try (Ctrl-C stops it).
# Run it again to see the existing ledger verified.
#
#   scripts/run.sh [--no-setup] [--no-serve]
#   --no-setup   use an existing binary (CONSILIUM_BIN, default
#                build/release/consilium): no packages, no build
#   --no-serve   stop after the highlights instead of serving
# Environment: CONSILIUM_DATA (default data/demo), CONSILIUM_LISTEN (serve's
# --listen, default its own), CONSILIUM_JOBS (build jobs, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

setup=1
serve=1
for arg in "$@"; do
  case "$arg" in
    --no-setup) setup=0 ;;
    --no-serve) serve=0 ;;
    *) echo "run.sh: unknown argument $arg (--no-setup, --no-serve)" >&2; exit 2 ;;
  esac
done

bin=${CONSILIUM_BIN:-build/release/consilium}
if [ "$setup" = 1 ]; then
  scripts/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release -j "${CONSILIUM_JOBS:-2}" --target consilium
fi
if [ ! -x "$bin" ]; then
  echo "run.sh: no consilium binary at $bin (run without --no-setup to build it)" >&2
  exit 1
fi
data=${CONSILIUM_DATA:-data/demo}
key="$data.key"
project=dyspnoea-dx

# The first lines of a command's output (reading it all: no SIGPIPE).
first() { awk -v n="$1" 'NR <= n'; }

if [ ! -e "$data/CURRENT" ]; then
  mkdir -p "$(dirname "$data")"
  echo "==> consilium demo (sign-in tokens: $data/demo-tokens.json, mode 0600)"
  "$bin" demo --data "$data"
  if [ ! -e "$key" ]; then
    echo "==> checkpoint signing key (the verifier key below is what auditors hold)"
    "$bin" keygen --name consilium.demo/ledger --out "$key" | tee "$data.vkey"
  fi
  "$bin" configure --data "$data" --checkpoint-key "$key"
elif [ ! -e "$data/demo-planted.json" ]; then
  echo "==> $data holds a ledger from an older run.sh; remove $data* to start over" >&2
  exit 1
else
  echo "==> $data already holds the demo ledger; adding nothing (remove $data* to start over)"
fi

echo "==> agreement on the primary diagnosis: calibration batch cal-1 (v1), then cal-2 (v2)"
"$bin" agreement --data "$data" --project "$project" --field primary_diagnosis --batch cal-1 | first 4
"$bin" agreement --data "$data" --project "$project" --field primary_diagnosis --batch cal-2 | first 4
echo "==> the physicians' calibration (planted skills: $data/demo-planted.json)"
"$bin" calibration --data "$data" --project "$project" | first 10
echo "==> label distribution of case-0003's primary diagnosis (six physicians, batch cal-1)"
"$bin" distribution --data "$data" --record case-0003 | awk '/^primary_diagnosis/,/^$/'
echo "==> adjudication: the policy, and the head of the queue (docs/adjudication.md)"
"$bin" policy show --data "$data" --project "$project" | first 6
"$bin" queue list --data "$data" --project "$project" --limit 8
decided=$("$bin" queue list --data "$data" --project "$project" --all |
  awk '$3 == "decided" && !found { print $1; found = 1 }')
if [ -n "$decided" ]; then
  echo "==> $decided: the untouched distribution beside the adjudicated outcome"
  "$bin" distribution --data "$data" --record "$decided"
fi
echo "==> audit: accesses per role in the third week, and the anomaly rules (docs/audit.md)"
"$bin" audit summary --data "$data" --from 2026-03-16T00:00:00Z | awk '/^role/,/^$/'
"$bin" audit anomalies --data "$data"
echo "==> head"
"$bin" head --data "$data"
echo "==> signed checkpoint"
"$bin" checkpoint --data "$data" | tee "$data.checkpoint"
echo "==> verify"
"$bin" verify --data "$data"
echo "==> an auditor checks event 2 offline, with the public key only"
"$bin" proof inclusion --data "$data" --seq 2 > "$data.proof.json"
"$bin" event --data "$data" --seq 2 --raw > "$data.event2"
"$bin" audit verify --vkey "$data.vkey" --checkpoint "$data.checkpoint" \
  --event "$data.event2" --proof "$data.proof.json"
if [ "$serve" = 0 ]; then
  echo "==> to try the server: $bin serve --data $data (prints a token per role)"
  exit 0
fi
echo "==> consilium serve (Ctrl-C stops it)"
exec "$bin" serve --data "$data" ${CONSILIUM_LISTEN:+--listen "$CONSILIUM_LISTEN"}
