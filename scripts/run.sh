#!/usr/bin/env bash
# Sets up and runs the product on this machine: installs missing Debian
# packages, builds Release, and creates a demo project in ./data/demo:
# schemas, records, three physicians' annotations (they disagree, on purpose),
# a calibration batch; then shows agreement and a label distribution, signs a
# checkpoint, verifies the ledger, and checks an inclusion proof offline the
# way an auditor would. Run it again to see the existing ledger verified.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "${CONSILIUM_JOBS:-2}" --target consilium
bin=build/release/consilium
data=${CONSILIUM_DATA:-data/demo}
key="$data.key"
project=icu-demo
annotators=(dr-ada dr-ben dr-cho)

if [ ! -e "$data/CURRENT" ]; then
  mkdir -p "$(dirname "$data")"
  "$bin" init --data "$data"
  echo "==> project, task schemas, records"
  "$bin" project create --data "$data" --id "$project" --name "ICU severity: calibration round 1" \
    --overlap 3
  "$bin" schema publish schemas/examples/icu-severity.json --data "$data"
  "$bin" schema publish schemas/examples/dx-reasoning.json --data "$data"
  "$bin" import records tools/demo/records.jsonl --data "$data" --project "$project"
  echo "==> physicians (each token is printed once; kept in $data.tokens)"
  for a in "${annotators[@]}"; do
    "$bin" user add "$a" --role annotator --project "$project" --data "$data" >> "$data.tokens"
  done
  echo "==> assignments and a calibration batch"
  for r in 1 2 3 4 5 6; do
    for a in "${annotators[@]}"; do
      "$bin" assign --data "$data" --project "$project" --record "rec-000$r" --annotator "$a" \
        > /dev/null
    done
  done
  "$bin" assign --data "$data" --project "$project" --record rec-0007 --annotator dr-ada
  "$bin" batch create --data "$data" --project "$project" --id cal-1 \
    --records rec-0001,rec-0002,rec-0003,rec-0004,rec-0005,rec-0006
  echo "==> annotations (one reasoning trace; one revision)"
  "$bin" annotate tools/demo/annotations.jsonl --data "$data"
  if [ ! -e "$key" ]; then
    echo "==> checkpoint signing key (the verifier key below is what auditors hold)"
    "$bin" keygen --name consilium.demo/ledger --out "$key" | tee "$data.vkey"
  fi
  "$bin" configure --data "$data" --checkpoint-key "$key"
else
  echo "==> $data already holds a ledger; adding nothing (remove $data* to start over)"
fi

echo "==> agreement on the calibration batch"
"$bin" agreement --data "$data" --project "$project" --batch cal-1
echo "==> label distribution of rec-0004 (a revised annotation)"
"$bin" distribution --data "$data" --record rec-0004
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
