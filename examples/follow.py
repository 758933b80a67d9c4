#!/usr/bin/python3
"""Follow a Consilium ledger's event stream over the WebSocket.

    examples/follow.py --url wss://127.0.0.1:8443 --token-file TOKEN \
        --cursor-file cursor.json [--cafile cert.pem] [--until-seq N]

Prints each event as one JSON line (as the server sent it), checks its chain
link as it arrives (its "prev" must be the hash of the event before it),
persists the cursor (the last event's seq and hash) after every frame, and
on a dropped connection reconnects from the cursor, so it misses nothing and
prints nothing twice. Checkpoints the server announces go to stderr.

Exit codes: 0 done (--until-seq reached, or --once and caught up), 2 usage
or a refusal from the server, 3 a broken chain link, 4 the server closed or
failed the stream for good. Needs Debian's python3-websockets.
Protocol: docs/websocket.md; messages: api/asyncapi.yaml.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys

import websockets

ZERO_HASH = "0" * 64


class ChainBroken(Exception):
    pass


class Refused(Exception):
    pass


class Cursor:
    """The last event delivered: its seq and hash, kept in a file."""

    def __init__(self, path=None, seq=0, hash_=None):
        self.path = path
        self.seq = seq
        self.hash = hash_
        if path and os.path.exists(path):
            with open(path) as f:
                doc = json.load(f)
            self.seq, self.hash = int(doc["seq"]), doc.get("hash")

    def save(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"seq": self.seq, "hash": self.hash}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def check_link(cursor, event):
    """Raises ChainBroken unless `event` follows the cursor."""
    seq = event["seq"]
    if seq != cursor.seq + 1:
        raise ChainBroken(f"expected event {cursor.seq + 1}, got {seq}")
    expected = cursor.hash if cursor.hash is not None else (
        ZERO_HASH if cursor.seq == 0 else None)
    if expected is not None and event["prev"] != expected:
        raise ChainBroken(f"event {seq}: prev {event['prev']} is not the hash "
                          f"of event {cursor.seq} ({expected})")


async def follow_once(url, token, cursor, on_event, on_checkpoint=None,
                      ssl_context=None, until_seq=None, max_frames=None,
                      stop_when_caught_up=False):
    """One connection: follows from the cursor until `until_seq`, until
    `max_frames` frames were handled (then it drops the connection), or until
    the connection ends. Returns True when done (until_seq reached or caught
    up), False when the connection ended first."""
    async with websockets.connect(
            url.rstrip("/") + "/v1/ws", ssl=ssl_context,
            extra_headers={"Authorization": "Bearer " + token},
            max_size=64 << 20) as ws:
        await ws.send(json.dumps({"id": "f", "type": "follow",
                                  "from": cursor.seq}))
        frames = 0
        head = None
        while True:
            msg = json.loads(await ws.recv())
            frames += 1
            kind = msg.get("type")
            if kind == "error":
                raise Refused(f"{msg['error']['code']}: "
                              f"{msg['error']['message']}")
            if kind == "result":
                head = msg["result"]["head"]
            elif kind == "events":
                for event in msg["events"]:
                    check_link(cursor, event)
                    on_event(event)
                    cursor.seq, cursor.hash = event["seq"], event["hash"]
                cursor.save()
            elif kind == "checkpoint" and on_checkpoint:
                on_checkpoint(msg["checkpoint"])
            elif kind == "follow_failed":
                raise Refused(f"stream failed: {msg['error']['message']}")
            if until_seq is not None and cursor.seq >= until_seq:
                return True
            if stop_when_caught_up and head is not None and cursor.seq >= head:
                return True
            if max_frames is not None and frames >= max_frames:
                return False


async def run(args):
    token = args.token
    if args.token_file:
        with open(args.token_file) as f:
            token = f.read().strip()
    if not token:
        token = os.environ.get("CONSILIUM_TOKEN", "")
    if not token:
        print("follow.py: a token is required (--token, --token-file or "
              "CONSILIUM_TOKEN)", file=sys.stderr)
        return 2
    ctx = None
    if args.url.startswith("wss://"):
        ctx = ssl.create_default_context(cafile=args.cafile)
    cursor = Cursor(args.cursor_file)
    if args.from_seq is not None and not os.path.exists(args.cursor_file or ""):
        cursor.seq = args.from_seq

    def on_event(event):
        sys.stdout.write(json.dumps(event, separators=(",", ":"),
                                    sort_keys=True) + "\n")
        sys.stdout.flush()

    def on_checkpoint(cp):
        print(f"checkpoint: size {cp['size']} root {cp['root']}",
              file=sys.stderr)

    failures = 0
    while True:
        try:
            done = await follow_once(args.url, token, cursor, on_event,
                                     on_checkpoint, ctx, args.until_seq,
                                     stop_when_caught_up=args.once)
            if done:
                return 0
            failures = 0
        except ChainBroken as e:
            print(f"follow.py: chain broken: {e}", file=sys.stderr)
            return 3
        except Refused as e:
            print(f"follow.py: {e}", file=sys.stderr)
            return 2
        except websockets.InvalidStatusCode as e:
            print(f"follow.py: upgrade refused: HTTP {e.status_code}",
                  file=sys.stderr)
            return 2
        except (OSError, websockets.ConnectionClosed) as e:
            failures += 1
            if failures > args.max_retries:
                print(f"follow.py: giving up: {e}", file=sys.stderr)
                return 4
            print(f"follow.py: reconnecting from {cursor.seq} ({e})",
                  file=sys.stderr)
            await asyncio.sleep(min(0.1 * 2 ** failures, 5.0))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True,
                   help="ws://HOST:PORT or wss://HOST:PORT")
    p.add_argument("--token")
    p.add_argument("--token-file")
    p.add_argument("--cursor-file", help="where the cursor is kept")
    p.add_argument("--from", dest="from_seq", type=int,
                   help="start after this seq when there is no cursor file")
    p.add_argument("--cafile", help="CA or self-signed certificate (wss)")
    p.add_argument("--until-seq", type=int, help="stop once this seq is in")
    p.add_argument("--once", action="store_true",
                   help="stop once caught up with the head at follow time")
    p.add_argument("--max-retries", type=int, default=10,
                   help="consecutive failed connections before giving up")
    sys.exit(asyncio.run(run(p.parse_args())))


if __name__ == "__main__":
    main()
