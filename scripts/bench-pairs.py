#!/usr/bin/python3
"""Before/after ratios of `consilium bench ...` for two binaries, alternating.

Runs BASE and NEW in turn (base, new, base, new, ...) for each bench named,
PAIRS pairs each, in one sitting, and prints per pair NEW/BASE of the bench's
headline figures and their median, as a Markdown table for BENCHMARKS.md.
A ratio above 1 is always better for NEW (latencies are inverted).
Alternating runs in one sitting keep a shared, noisy machine's drift out of
the ratio; a lone absolute figure means little here.

Usage:
  bench-pairs.py --base BIN --new BIN [--pairs N] [--work DIR]
                 [--bench append,annotate,verify,projections,proofs]

Must run from the repository root (bench annotate reads schemas/examples).
Each binary gets its own data directories under --work; `verify`,
`projections` and `proofs` build their ledger on the first run and reuse it after.
Exit status: 0 when every median ratio is >= 0.95, 1 otherwise, 2 usage.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

# bench -> (flags, [(label, json path, higher_is_better)])
BENCHES = {
    "append": (["--seconds", "1.5", "--rounds", "3"], [
        ("async, 64 in flight /s", ("ledger_async", "inflight_64", "per_second"), True),
        ("sync threads, 64 /s", ("ledger_sync_threads", "inflight_64", "per_second"), True),
    ]),
    "annotate": (["--seconds", "2", "--rounds", "2"], [
        ("validated submits /s", ("validated_annotation_submit", "per_second"), True),
        ("raw ledger appends /s", ("raw_ledger_append", "per_second"), True),
    ]),
    "verify": (["--events", "1000000"], [
        ("verified events /s", ("verify_events_per_second",), True),
    ]),
    "proofs": (["--events", "1000000", "--samples", "20000"], [
        ("inclusion p50 us", ("inclusion", "p50_us"), False),
        ("consistency p50 us", ("consistency", "p50_us"), False),
    ]),
    "projections": (["--annotations", "1000000", "--records", "200000"], [
        ("rebuild events /s", ("rebuild_events_per_second",), True),
        ("incremental median us", ("incremental_median_us",), False),
        ("max RSS after rebuild KiB", ("max_rss_kib_after_rebuild",), False),
    ]),
}


def Dig(doc, path):
    for key in path:
        doc = doc[key]
    return float(doc)


def RunOnce(binary, bench, work, tag):
    flags, _ = BENCHES[bench]
    data = os.path.join(work, f"{tag}-{bench}")
    cmd = [binary, "bench", bench, *flags, "--json"]
    if bench in ("verify", "projections", "proofs"):
        cmd += ["--data", data]
    else:
        cmd += ["--dir", data]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench-pairs: {' '.join(cmd)} failed:\n{out.stderr}")
    if bench in ("append", "annotate"):
        subprocess.run(["rm", "-rf", data])
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--new", required=True)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--work")
    parser.add_argument("--bench", default="append,annotate,verify,projections")
    args = parser.parse_args()
    benches = args.bench.split(",")
    for bench in benches:
        if bench not in BENCHES:
            parser.error(f"unknown bench {bench!r}; known: {', '.join(BENCHES)}")
    work = args.work or tempfile.mkdtemp(prefix="bench-pairs.")
    ok = True
    print(f"base {args.base}, new {args.new}, {args.pairs} pairs, work {work}\n")
    for bench in benches:
        metrics = BENCHES[bench][1]
        if bench in ("verify", "projections", "proofs"):  # build each ledger once, untimed
            RunOnce(args.base, bench, work, "base")
            RunOnce(args.new, bench, work, "new")
        ratios = {label: [] for label, _, _ in metrics}
        raw = {label: [] for label, _, _ in metrics}
        for _ in range(args.pairs):
            base = RunOnce(args.base, bench, work, "base")
            new = RunOnce(args.new, bench, work, "new")
            for label, path, higher in metrics:
                b, n = Dig(base, path), Dig(new, path)
                raw[label].append((b, n))
                ratios[label].append(n / b if higher else b / n)
        print(f"### bench {bench}: {' '.join(BENCHES[bench][0])}\n")
        print("| figure | base / new per pair | NEW vs BASE per pair | median |")
        print("|---|---|---|---|")
        for label, _, _ in metrics:
            pairs = " · ".join(f"{b:.4g} / {n:.4g}" for b, n in raw[label])
            rs = " · ".join(f"{r:.3f}" for r in ratios[label])
            median = statistics.median(ratios[label])
            ok &= median >= 0.95
            print(f"| {label} | {pairs} | {rs} | **{median:.3f}** |")
        print()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
