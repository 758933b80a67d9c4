#!/usr/bin/python3
"""Work a Consilium adjudication queue from a terminal, over the WebSocket.

    examples/adjudicator.py --url wss://127.0.0.1:8443 --queue icu \
        [--token TOKEN | CONSILIUM_TOKEN=...] [--cacert cert.pem] \
        [--field severity] [--ttl SECONDS] [--wait SECONDS] \
        [--decide VALUE --rationale TEXT | --ambiguous --rationale TEXT |
         --escalate --rationale TEXT | --release]

Subscribes to the queue and shows its depth (and every change the server
pushes), waits for an item when the queue is empty, claims the next one and
prints it: the record, every current annotation as its reasoning trace
(annotators by pseudonym), the field's distribution, soft label and
agreement. Then asks for a decision and a rationale, heartbeating the lease
while you think; the server warns before the lease expires
(lease_expiring) and says when it is lost (lease_lost).

Non-interactive (scripts, tests): --decide VALUE (JSON when it parses as
JSON, else a string) or --ambiguous or --escalate, with --rationale; or
--release to give the item back.

Exit codes: 0 decided (or released), 2 usage or a refusal from the server
(its code and message on stderr), 3 nothing to claim within --wait, 4 the
lease was lost or the connection closed. Needs Debian's python3-websockets.
Protocol: docs/websocket.md; messages: api/asyncapi.yaml.
"""

import argparse
import asyncio
import itertools
import json
import os
import ssl
import sys
import time

import websockets


class Refused(Exception):
    def __init__(self, error):
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")


class LeaseLost(Exception):
    pass


class Client:
    """One session: replies matched to requests by id, pushes to a queue."""

    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)
        self.waiting = {}
        self.pushes = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            async for text in self.ws:
                msg = json.loads(text)
                if "id" in msg and msg["id"] in self.waiting:
                    self.waiting.pop(msg["id"]).set_result(msg)
                elif msg.get("type") == "error":
                    print("server: " + json.dumps(msg["error"]),
                          file=sys.stderr)
                else:
                    await self.pushes.put(msg)
        finally:
            closed = ConnectionError(
                f"connection closed ({self.ws.close_code} "
                f"{self.ws.close_reason or ''})".strip())
            for fut in self.waiting.values():
                if not fut.done():
                    fut.set_exception(closed)
            await self.pushes.put({"type": "closed", "why": str(closed)})

    async def call(self, type_, **fields):
        msg_id = next(self.ids)
        fut = asyncio.get_running_loop().create_future()
        self.waiting[msg_id] = fut
        await self.ws.send(json.dumps({"id": msg_id, "type": type_, **fields}))
        reply = await fut
        if reply["type"] == "error":
            raise Refused(reply["error"])
        return reply["result"]


def show_item(claim, out=sys.stdout):
    """The claimed item, readably."""
    shown = claim["shown"]
    p = lambda *a: print(*a, file=out)
    p(f"\n== {claim['record']} / {claim['field']}  (lease {claim['lease']}, "
      f"expires {claim['expires_at']})")
    content = shown.get("record_content")
    if shown.get("record_sealed"):
        p("record: (sealed)")
    elif isinstance(content, (dict, list)):
        p("record:\n" + json.dumps(content, indent=2, ensure_ascii=False))
    else:
        p(f"record: {content}")
    p(f"\nannotations ({len(shown.get('annotations', []))}):")
    for a in shown.get("annotations", []):
        who = a.get("annotator") or "(blind)"
        p(f"  - {who}  {a.get('schema')} rev {a.get('revision')}: "
          f"{json.dumps(a.get('value'))}")
        trace = a.get("trace")
        if trace is not None:
            for line in json.dumps(trace, indent=2,
                                   ensure_ascii=False).splitlines():
                p("      " + line)
    for d in shown.get("distribution", []):
        counts = ", ".join(f"{k}: {n}" for k, n in
                           sorted(d.get("counts", {}).items()))
        p(f"\ndistribution ({d.get('schema')}): {counts}")
        if d.get("normalized_entropy") is not None:
            p(f"  normalized entropy {d['normalized_entropy']:.3f}")
        if d.get("soft_label"):
            soft = ", ".join(f"{k}: {v:.2f}" for k, v in
                             sorted(d["soft_label"].items()))
            p(f"  soft label: {soft}")
    for g in shown.get("agreement", []):
        value = g.get("value")
        p(f"agreement ({g.get('schema')}): {g.get('statistic')} = "
          f"{'undefined' if value is None else round(value, 3)} over "
          f"{g.get('items')} items, {g.get('raters')} raters")
    out.flush()


async def heartbeat(client, lease, every):
    while True:
        await asyncio.sleep(every)
        await client.call("heartbeat", lease=lease)


async def watch(client, lease, quiet=False):
    """Prints pushes; raises LeaseLost when the lease is gone."""
    while True:
        msg = await client.pushes.get()
        kind = msg.get("type")
        if kind == "queue_depth" and not quiet:
            print(f"[queue {msg['queue']}: {msg['depth']} waiting]",
                  file=sys.stderr)
        elif kind == "lease_expiring" and msg.get("lease") == lease:
            print(f"[lease {lease} expires in {msg['remaining_ms']} ms]",
                  file=sys.stderr)
        elif kind == "lease_lost" and msg.get("lease") == lease:
            raise LeaseLost(f"lease {lease} lost: {msg['reason']}")
        elif kind == "closed":
            raise LeaseLost(msg["why"])


async def ask(prompt):
    """One line from stdin without blocking the loop (pushes and heartbeats
    go on while the adjudicator thinks; a lost lease interrupts the
    question)."""
    print(prompt, end="", flush=True)
    loop = asyncio.get_running_loop()
    got = loop.create_future()

    def ready():
        line = sys.stdin.readline()
        if not got.done():
            got.set_result(line)

    loop.add_reader(sys.stdin.fileno(), ready)
    try:
        line = await got
    finally:
        loop.remove_reader(sys.stdin.fileno())
    if line == "":
        raise EOFError("stdin closed")
    if not sys.stdin.isatty():
        print(flush=True)  # a terminal echoes the newline; a pipe does not
    return line.strip()


async def decision_from_terminal(field):
    while True:
        v = await ask(f"decision for {field} (a value, 'ambiguous', "
                      "'escalate' or 'release'): ")
        if v in ("ambiguous", "escalate", "release"):
            choice = {v: True}
        elif v:
            try:
                choice = {"value": json.loads(v)}
            except ValueError:
                choice = {"value": v}
        else:
            continue
        if "release" in choice:
            return choice
        rationale = await ask("rationale: ")
        if rationale:
            choice["rationale"] = rationale
            return choice
        print("a rationale is required", file=sys.stderr)


async def wait_for_item(client, depth, wait):
    loop = asyncio.get_running_loop()
    deadline = None if wait is None else loop.time() + wait
    while depth == 0:
        left = None if deadline is None else deadline - loop.time()
        if left is not None and left <= 0:
            return False
        try:
            msg = await asyncio.wait_for(client.pushes.get(), left)
        except asyncio.TimeoutError:
            return False
        if msg.get("type") == "queue_depth":
            depth = msg["depth"]
            print(f"[queue {msg['queue']}: {depth} waiting]", file=sys.stderr)
        elif msg.get("type") == "closed":
            raise LeaseLost(msg["why"])
    return True


async def work(args, ws):
    client = Client(ws)
    sub = {"queue": args.queue}
    if args.field:
        sub["field"] = args.field
    s = await client.call("subscribe", **sub)
    print(f"queue {args.queue}: {s['depth']} waiting", file=sys.stderr)
    if not await wait_for_item(client, s["depth"], args.wait):
        print("nothing to claim", file=sys.stderr)
        return 3
    claim_args = {"queue": args.queue}
    if args.ttl:
        claim_args["ttl_seconds"] = args.ttl
    claim = await client.call("claim", **claim_args)
    show_item(claim)
    lease = claim["lease"]
    # The lease's length as the server set it (the clocks may differ a
    # little: heartbeat at a third of it).
    ttl_s = max(1.0, claim["expires_us"] / 1e6 - time.time())
    beat = asyncio.ensure_future(heartbeat(client, lease, max(0.5, ttl_s / 3)))
    watcher = asyncio.ensure_future(watch(client, lease))
    try:
        if args.release:
            choice = {"release": True}
        elif args.decide is not None or args.ambiguous or args.escalate:
            choice = {"rationale": args.rationale}
            if args.decide is not None:
                try:
                    choice["value"] = json.loads(args.decide)
                except ValueError:
                    choice["value"] = args.decide
            elif args.ambiguous:
                choice["ambiguous"] = True
            else:
                choice["escalate"] = True
        else:
            asker = asyncio.ensure_future(decision_from_terminal(claim["field"]))
            done, _ = await asyncio.wait({asker, watcher},
                                         return_when=asyncio.FIRST_COMPLETED)
            if watcher in done:
                asker.cancel()
                watcher.result()  # raises LeaseLost
            choice = asker.result()
        beat.cancel()
        if choice.pop("release", False):
            r = await client.call("release", lease=lease)
            print(json.dumps(r, indent=2))
            return 0
        r = await client.call("decide", lease=lease, field=claim["field"],
                              **choice)
        print(json.dumps(r, indent=2))
        return 0
    finally:
        beat.cancel()
        watcher.cancel()


def url_of(url):
    return url if url.rstrip("/").endswith("/v1/ws") else (
        url.rstrip("/") + "/v1/ws")


async def main_async(args):
    token = args.token or os.environ.get("CONSILIUM_TOKEN")
    context = None
    if args.url.startswith("wss://"):
        context = ssl.create_default_context(cafile=args.cacert)
    async with websockets.connect(
            url_of(args.url),
            extra_headers={"Authorization": "Bearer " + token},
            ssl=context, max_size=64 << 20) as ws:
        return await work(args, ws)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="ws:// or wss:// server URL")
    ap.add_argument("--queue", required=True, help="the project's id")
    ap.add_argument("--field", help="only this field's depth")
    ap.add_argument("--token", help="bearer token (default: $CONSILIUM_TOKEN)")
    ap.add_argument("--cacert", help="CA file for a self-signed wss:// server")
    ap.add_argument("--ttl", type=int, help="lease length in seconds")
    ap.add_argument("--wait", type=float,
                    help="seconds to wait for an item (default: forever)")
    ap.add_argument("--decide", metavar="VALUE")
    ap.add_argument("--ambiguous", action="store_true")
    ap.add_argument("--escalate", action="store_true")
    ap.add_argument("--release", action="store_true")
    ap.add_argument("--rationale")
    args = ap.parse_args()
    if not (args.token or os.environ.get("CONSILIUM_TOKEN")):
        ap.error("--token or CONSILIUM_TOKEN is required")
    picked = sum([args.decide is not None, args.ambiguous, args.escalate,
                  args.release])
    if picked > 1:
        ap.error("give at most one of --decide, --ambiguous, --escalate, "
                 "--release")
    if picked and not args.release and not args.rationale:
        ap.error("--rationale is required with a decision")
    try:
        return asyncio.run(main_async(args))
    except Refused as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    except (LeaseLost, ConnectionError,
            websockets.exceptions.ConnectionClosed) as e:
        print(f"stopped: {e}", file=sys.stderr)
        return 4
    except (OSError, websockets.exceptions.InvalidStatusCode) as e:
        print(f"cannot connect: {e}", file=sys.stderr)
        return 2
    except EOFError:
        print("stopped: no decision (stdin closed); the lease expires "
              "unless released", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
