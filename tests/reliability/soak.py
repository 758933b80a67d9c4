#!/usr/bin/python3
"""Soak: mixed load against a real `consilium serve` for a long time (not a
ctest; the issue's run is 30 minutes).

    tests/reliability/soak.py build/release/consilium . --minutes 30

A fresh ledger (tests/reliability/serve_load.py: an admin, --workers
annotators each assigned --records records, the icu-severity schema),
`consilium serve` on it, and for --minutes: --workers HTTP workers (each an
annotator on one kept-alive connection, walking through its records, half
record reads with their durable access events, half annotation submits,
one request every --pause seconds), --followers WebSocket followers of the
event stream (live), and a fresh connection for /healthz every second.
Every --interval seconds it prints one line: the server's RSS (VmRSS) as
the peak and the floor of per-second samples in that interval (it moves in
a sawtooth as memtables fill and are flushed and checkpoints are encoded),
its open file descriptors, the requests answered and their p50 / p99 / max
latency in that interval, the ledger head the followers have reached. At
the end: the RSS peak and floor of the first --window intervals after
--warmup minutes against those of the last --window intervals, descriptors
at start and end, p99 of the first and the last intervals, and the verdict
against the issue's targets (RSS growth under 10 %, no descriptor growth,
last p99 within 2x the first); exit 1 when one is missed, or a request
failed.

The ledger grows by one event per request, and the server's state with
the annotations it holds, so some RSS growth is the data, not a leak: the
summary prints events appended so the two can be told apart (a longer run
at the same rate should not grow faster). Measure on an idle machine;
docs/reliability.md ("Soak") says where the figures go.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_load as sl  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("source")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--interval", type=float, default=60)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--followers", type=int, default=4)
    ap.add_argument("--pause", type=float, default=0.01)
    ap.add_argument("--records", type=int, default=20000,
                    help="records each annotator is assigned and walks "
                         "through in turn, so a record holds a handful of "
                         "annotations, as in real work, not thousands")
    ap.add_argument("--warmup", type=float, default=5,
                    help="minutes before the RSS comparison starts (the "
                         "memtables fill for the first time then)")
    ap.add_argument("--window", type=int, default=5,
                    help="intervals per RSS window: the peak of the first "
                         "window after the warm-up against the last's")
    ap.add_argument("--data", help="keep the ledger here (default: a "
                                   "temporary directory, removed)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="consilium_soak_")
    data = args.data or os.path.join(tmp, "ledger")
    tally, stop = sl.Tally(), threading.Event()
    try:
        tokens = sl.prepare_ledger(args.bin, data, args.source,
                                   annotators=args.workers,
                                   records=args.records)
        server = sl.Server(args.bin, data)
        fds_start = server.fds()
        workers = [sl.HttpWorker(server.port, f"ann-{i}", tokens[f"ann-{i}"],
                                 args.records, tally, stop, tag="soak",
                                 pause=args.pause)
                   for i in range(args.workers)]
        cursors = [{"seq": 0, "hash": "0" * 64}
                   for _ in range(args.followers)]
        followers = sl.Followers(server.port, tokens["root"], cursors, tally,
                                 stop)
        for t in workers + [followers]:
            t.start()
        print("minute  rss_kib  rss_min  fds  requests  p50_ms  p99_ms  max_ms  "
              "followed_to  healthz_failures", flush=True)
        rows, healthz_failures, rss_peak, rss_floor = [], 0, 0, None
        started = time.monotonic()
        end = started + args.minutes * 60
        next_row = started + args.interval
        while time.monotonic() < end:
            time.sleep(1)
            try:
                status, _ = sl.request(server.port, "GET", "/healthz",
                                       timeout=10)
                healthz_failures += status != 200
            except OSError:
                healthz_failures += 1
            # RSS moves in a sawtooth (memtables fill and are flushed): each
            # row has the interval's peak of per-second samples, so a
            # memtable that happens to be full at one sample is no trend.
            rss_now = server.rss_kib()
            rss_peak = max(rss_peak, rss_now)
            rss_floor = rss_now if rss_floor is None else min(rss_floor,
                                                              rss_now)
            if time.monotonic() < next_row:
                continue
            next_row += args.interval
            lat = tally.snapshot_latencies()
            row = {"minute": (time.monotonic() - started) / 60,
                   "rss": rss_peak, "rss_min": rss_floor,
                   "fds": server.fds(),
                   "requests": len(lat),
                   "p50": (sl.percentile(lat, 0.50) or 0) * 1000,
                   "p99": (sl.percentile(lat, 0.99) or 0) * 1000,
                   "max": max(lat, default=0) * 1000,
                   "followed": min(c["seq"] for c in cursors)}
            rows.append(row)
            rss_peak, rss_floor = 0, None
            print(f"{row['minute']:6.1f}  {row['rss']:7d}  "
                  f"{row['rss_min']:7d}  {row['fds']:3d}  "
                  f"{row['requests']:8d}  {row['p50']:6.1f}  "
                  f"{row['p99']:6.1f}  {row['max']:6.1f}  "
                  f"{row['followed']:11d}  {healthz_failures}", flush=True)
        stop.set()
        for t in workers + [followers]:
            t.join(timeout=60)
        fds_end = server.fds()
        rc = server.stop()
        head = json.loads(sl.run(args.bin, "head", "--data", data))["seq"]
        if not rows:
            print("soak: shorter than one interval, nothing to compare")
            return 1
        first, last = rows[0], rows[-1]
        # RSS: the peak of the first --window intervals after the warm-up
        # against the peak of the last --window intervals.
        settled = [r for r in rows if r["minute"] > args.warmup] or rows
        w = max(1, min(args.window, len(settled) // 2 or 1))
        rss_from = max(r["rss"] for r in settled[:w])
        rss_to = max(r["rss"] for r in settled[-w:])
        growth = (rss_to - rss_from) / rss_from
        # The floor (lowest sample) of the same windows: what stays when the
        # transients (a memtable, a checkpoint being encoded) are gone.
        floor_from = min(r["rss_min"] for r in settled[:w])
        floor_to = min(r["rss_min"] for r in settled[-w:])
        floor_growth = (floor_to - floor_from) / floor_from
        with tally.lock:
            errors = list(tally.errors)
        checks = {
            "rss_peak_growth_under_10_percent": growth < 0.10,
            "rss_floor_growth_under_10_percent": floor_growth < 0.10,
            "no_fd_growth": fds_end <= fds_start,
            "p99_stable": last["p99"] <= 2 * max(first["p99"], 1.0),
            "every_request_answered_as_expected": not errors,
            "healthz_always_answered": healthz_failures == 0,
            "clean_exit": rc == 0,
        }
        print(f"soak: {args.minutes} min, ledger head {head}; RSS peak "
              f"{rss_from} KiB after the warm-up -> {rss_to} KiB at the end "
              f"({growth * 100:+.1f} %), floor {floor_from} -> {floor_to} "
              f"KiB ({floor_growth * 100:+.1f} %); fds {fds_start} -> "
              f"{fds_end}; p99 "
              f"{first['p99']:.1f} -> {last['p99']:.1f} ms; failed requests "
              f"{len(errors)} {errors[:3]}")
        for name, ok in checks.items():
            print(f"  {name}: {'yes' if ok else 'NO'}")
        return 0 if all(checks.values()) else 1
    finally:
        stop.set()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
