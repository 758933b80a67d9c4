#!/usr/bin/env bash
# Sets up and runs the product on this machine: installs missing Debian
# packages, builds Release, creates a ledger in ./data/demo, appends the demo
# project's events, signs a checkpoint, verifies the chain, and checks an
# inclusion proof offline the way an auditor would.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "${CONSILIUM_JOBS:-2}" --target consilium
bin=build/release/consilium
data=${CONSILIUM_DATA:-data/demo}

key="$data.key"
if [ ! -e "$data/CURRENT" ]; then
  "$bin" init --data "$data"
  echo "==> appending the demo project"
  "$bin" append --data "$data" < tools/demo/events.jsonl
  if [ ! -e "$key" ]; then
    echo "==> checkpoint signing key (verifier key below is what auditors hold)"
    "$bin" keygen --name consilium.demo/ledger --out "$key" | tee "$data.vkey"
  fi
  "$bin" configure --data "$data" --checkpoint-key "$key"
else
  echo "==> $data already holds a ledger; appending nothing (remove it to start over)"
fi
echo "==> events"
"$bin" events --data "$data" --limit 10
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
