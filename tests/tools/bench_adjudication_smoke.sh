#!/usr/bin/env bash
# Smoke test of `consilium bench adjudication` at small numbers: it runs,
# prints one JSON object, and every figure is sane (cycles happened, each a
# claim and a decision; the raw rate, the ratio, the rebuild and the queue
# latency probes are there and positive; the rebuild saw every disputed
# item). Figures are not compared with targets: the machine may be busy.
set -euo pipefail
bin=$1
out=$("$bin" bench adjudication --items 300 --adjudicators 8 --seconds 0.3 \
  --small 100 --large 3000 --probes 300 --dir "${TMPDIR:-/tmp}" --json)
python3 - "$out" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
def need(cond, what):
    if not cond:
        sys.exit("bench adjudication: %s\n%s" % (what, json.dumps(d, indent=1)))
need(d["items"] == 300 and d["annotation_events"] == 900, "sizes")
need(d["rebuild"]["queued"] == 300, "the rebuild found every disputed item")
need(d["rebuild"]["events"] >= 1200, "ledger events")
need(d["rebuild"]["seconds"] >= 0 and d["rebuild"]["domain_only_seconds"] >= 0, "rebuild time")
c = d["claim_decide"]
need(c["cycles"] > 0 and c["per_second"] > 0, "claim+decide cycles ran")
need(c["claim"]["count"] == c["cycles"] and c["claim"]["p99_us"] >= c["claim"]["p50_us"] > 0, "claim latency")
need(c["cycle"]["p50_us"] >= c["claim"]["p50_us"], "a cycle includes its claim")
need(c["cycles"] <= 300, "no item decided twice")
need(c["queue_drained"] == (c["cycles"] == 300), "drained exactly when every item was decided")
need(d["raw_ledger_append"]["per_second"] > 0, "raw append rate")
need(d["ratio_cycle_events_vs_raw"] > 0, "ratio")
for k, n in (("small", 100), ("large", 3000)):
    q = d["queue_claim_latency"][k]
    need(q["queued"] == n and q["count"] == 300 and q["p99_us"] >= q["p50_us"] >= 0, "queue latency " + k)
print("ok: %d cycles" % c["cycles"])
PY
