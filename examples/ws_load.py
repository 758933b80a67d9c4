#!/usr/bin/python3
"""Load generator for the WebSocket event stream (asyncio, Debian's
python3-websockets).

    examples/ws_load.py --url ws://127.0.0.1:8443 --token-file TOKEN \
        [--followers 16] [--from 0] [--until-seq N]

Opens --followers concurrent sessions, each following from --from until it
holds every event up to --until-seq (default: the head its follow reports),
checking seq order and chain links, and prints one JSON object: events per
second per follower and in total, bytes per second, the slowest follower.
The in-process figure for the issue's target is `consilium bench ws`; this
one measures a deployed server from outside (docs/websocket.md).
"""

import argparse
import asyncio
import json
import ssl
import sys
import time

import websockets


async def follower(args, token, ctx):
    async with websockets.connect(
            args.url.rstrip("/") + "/v1/ws", ssl=ctx, max_size=64 << 20,
            extra_headers={"Authorization": "Bearer " + token}) as ws:
        start = time.monotonic()
        await ws.send(json.dumps({"id": 1, "type": "follow",
                                  "from": args.from_seq}))
        until, seq, prev, nbytes = args.until_seq, args.from_seq, None, 0
        while until is None or seq < until:
            raw = await ws.recv()
            nbytes += len(raw)
            msg = json.loads(raw)
            if msg["type"] == "error":
                raise RuntimeError(msg["error"]["message"])
            if msg["type"] == "result":
                until = until or msg["result"]["head"]
            if msg["type"] != "events":
                continue
            for e in msg["events"]:
                if until is not None and seq >= until:
                    break
                if e["seq"] != seq + 1 or (prev and e["prev"] != prev):
                    raise RuntimeError(f"out of order or broken at {e['seq']}")
                seq, prev = e["seq"], e["hash"]
        return seq - args.from_seq, nbytes, time.monotonic() - start


async def main(args):
    token = args.token or open(args.token_file).read().strip()
    ctx = ssl.create_default_context(cafile=args.cafile) \
        if args.url.startswith("wss://") else None
    runs = await asyncio.gather(*(follower(args, token, ctx)
                                  for _ in range(args.followers)))
    slowest = max(r[2] for r in runs)
    events = sum(r[0] for r in runs)
    print(json.dumps({
        "followers": args.followers,
        "events_per_follower": runs[0][0],
        "slowest_seconds": slowest,
        "events_per_second_per_follower": [r[0] / r[2] for r in runs],
        "total_events_per_second": events / slowest,
        "megabytes_per_second": sum(r[1] for r in runs) / slowest / 1e6,
    }, sort_keys=True))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--token")
    p.add_argument("--token-file")
    p.add_argument("--cafile")
    p.add_argument("--followers", type=int, default=16)
    p.add_argument("--from", dest="from_seq", type=int, default=0)
    p.add_argument("--until-seq", type=int)
    args = p.parse_args()
    if not args.token and not args.token_file:
        sys.exit("ws_load.py: --token or --token-file required")
    asyncio.run(main(args))
