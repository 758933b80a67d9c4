#!/usr/bin/env bash
# Sets up and runs the product on this machine: installs missing Debian
# packages, builds Release, creates a ledger in ./data/demo, appends the demo
# project's events, verifies the chain and shows what is stored.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "${CONSILIUM_JOBS:-2}" --target consilium
bin=build/release/consilium
data=${CONSILIUM_DATA:-data/demo}

if [ ! -e "$data/CURRENT" ]; then
  "$bin" init --data "$data"
  echo "==> appending the demo project"
  "$bin" append --data "$data" < tools/demo/events.jsonl
else
  echo "==> $data already holds a ledger; appending nothing (remove it to start over)"
fi
echo "==> events"
"$bin" events --data "$data" --limit 10
echo "==> head"
"$bin" head --data "$data"
echo "==> verify"
"$bin" verify --data "$data"
