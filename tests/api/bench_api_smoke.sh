#!/usr/bin/env bash
# Smoke test of `consilium bench api --json` (not a measurement: the figures
# of a busy CI machine mean nothing and are not checked): two seconds of wrk
# per phase at 4 connections, then the document's shape, that every record
# read succeeded and appended its access event, that /healthz answered, and
# that every annotation POST was accepted (so the submit ratio is a number).
# Exit 77 (skipped) when wrk is not installed (scripts/install-deps.sh).
set -euo pipefail
bin="$1"
if ! command -v wrk >/dev/null; then
  echo "bench_api_smoke: skipped: wrk not found (scripts/install-deps.sh installs it)"
  exit 77
fi
out=$("$bin" bench api --json --seconds 1 --connections 4 --threads 1 \
  --library-seconds 0.5)
printf '%s\n' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
for key in ("healthz", "record_read", "annotation_submit_http",
            "library_annotate_per_second", "ratio_record_read_vs_healthz",
            "ratio_http_submit_vs_library", "targets"):
    assert key in d, "missing " + key
r = d["record_read"]
assert r["requests"] > 0 and r["failed"] == 0, r
assert r["access_events_appended"] >= r["requests"], r
assert d["healthz"]["failed"] == 0, d["healthz"]
assert d["library_annotate_per_second"] > 0, d
s = d["annotation_submit_http"]
assert s["requests"] > 0 and s["failed"] == 0, s
assert d["ratio_http_submit_vs_library"] is not None, d
for k in ("per_second", "p50_ms", "p99_ms", "max_ms"):
    assert k in r, k
print("bench_api_smoke: ok")
'
