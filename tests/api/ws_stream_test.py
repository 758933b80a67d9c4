#!/usr/bin/python3
"""The WebSocket and the event stream against a real `consilium serve`.

    ws_stream_test.py CONSILIUM_BIN EXAMPLES_DIR

A ledger is made with the CLI (principals with tokens, a project, records,
a signed checkpoint), then served over plain and TLS on one port. The tests
drive it with Debian's python3-websockets and raw sockets: examples/
follow.py end to end and resumed; a follower dropped at random points a few
hundred times; the role views; bad frames, a frame over the limit, a
disconnect mid-frame, a client that stops reading; SIGTERM with clients
connected. docs/websocket.md says what each should get.
"""

import asyncio
import base64
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import websockets
import faulthandler
faulthandler.dump_traceback_later(280, exit=True)

BIN = None
EXAMPLES = None
RECORDS = 1200  # events enough for several catch-up frames


def run(*args, stdin=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"{args}: {p.returncode} {p.stderr}")
    return p.stdout


def add_user(data, name, role, project=None):
    args = ["user", "add", name, "--data", data, "--role", role]
    if project:
        args += ["--project", project]
    if name != "root":
        args += ["--actor", "root"]
    out = run(*args)
    return out.strip().splitlines()[-1]


def die_with_parent():
    # The server goes when the test process does (a timeout, a crash).
    import ctypes
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Server:
    def __init__(self, data, cert, key):
        self.proc = subprocess.Popen(
            [BIN, "serve", "--data", data, "--listen", "127.0.0.1:0",
             "--tls-cert", cert, "--tls-key", key],
            stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
        line = self.proc.stdout.readline()
        assert "listening on https://" in line, line
        self.port = int(line.rsplit(":", 1)[1])
        self.signalled = False
        self.ws = f"ws://127.0.0.1:{self.port}"
        self.wss = f"wss://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None and not self.signalled:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.stdout.close()
        return self.proc.wait(timeout=30)

    def terminate(self):
        self.signalled = True
        self.proc.send_signal(signal.SIGTERM)


def setUpModule():
    global TMP, DATA, TOKENS, SERVER, CERT, KEY, CHECKPOINT_SIZE
    TMP = tempfile.mkdtemp(prefix="consilium_ws_test_")
    DATA = os.path.join(TMP, "ledger")
    run("init", "--data", DATA)
    TOKENS = {"root": add_user(DATA, "root", "admin")}
    TOKENS["aud"] = add_user(DATA, "aud", "auditor")
    TOKENS["ann"] = add_user(DATA, "ann", "annotator")
    lines = [json.dumps({"type": "ProjectCreated", "actor": "root",
                         "body": {"project_id": "p1", "name": "P1"}})]
    for i in range(RECORDS):
        lines.append(json.dumps({
            "type": "RecordImported", "actor": "root",
            "body": {"record_id": f"r{i}", "project_id": "p1",
                     "content": {"text": "secret note " + "x" * 400},
                     "metadata": {"site": "A"}}}))
    run("append", "--data", DATA, stdin="\n".join(lines) + "\n")
    TOKENS["audp"] = add_user(DATA, "audp", "auditor", "p1")
    key = os.path.join(TMP, "ck.key")
    run("keygen", "--name", "test.example/log", "--out", key)
    CHECKPOINT_SIZE = 50
    run("checkpoint", "--data", DATA, "--key", key, "--size",
        str(CHECKPOINT_SIZE))
    CERT, KEY = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", KEY, "-out", CERT, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    SERVER = Server(DATA, CERT, KEY)
    global DATA2
    DATA2 = os.path.join(TMP, "ledger2")  # for the shutdown test's server
    run("init", "--data", DATA2)
    TOKENS["aud2"] = add_user(DATA2, "root", "auditor")


def tearDownModule():
    SERVER.stop()
    shutil.rmtree(TMP, ignore_errors=True)


def connect(token="root", url=None, **kw):
    headers = {"Authorization": "Bearer " + TOKENS[token]} if token else {}
    return websockets.connect((url or SERVER.ws) + "/v1/ws",
                              extra_headers=headers, max_size=64 << 20, **kw)


async def recv_json(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def follow_all(token, start=0, url=None, ssl_context=None):
    """Follows from `start` until caught up with the head named in the
    reply; returns (reply, events, checkpoints)."""
    async with connect(token, url, ssl=ssl_context) as ws:
        await ws.send(json.dumps({"id": "s", "type": "follow",
                                  "from": start}))
        reply = await recv_json(ws)
        if reply["type"] != "result":
            return reply, [], []
        head, events, checkpoints = reply["result"]["head"], [], []
        while not events or events[-1]["seq"] < head:
            msg = await recv_json(ws)
            if msg["type"] == "events":
                events += msg["events"]
            elif msg["type"] == "checkpoint":
                checkpoints.append(msg["checkpoint"])
        return reply, events, checkpoints


def check_chain(test, events, first_prev=None):
    for i, e in enumerate(events):
        if i:
            test.assertEqual(e["seq"], events[i - 1]["seq"] + 1)
            test.assertEqual(e["prev"], events[i - 1]["hash"])
        elif first_prev:
            test.assertEqual(e["prev"], first_prev)


class FollowTest(unittest.TestCase):
    def test_admin_gets_every_event_in_full_and_the_follow_is_recorded(self):
        reply, events, checkpoints = asyncio.run(follow_all("root"))
        self.assertEqual(reply["result"]["view"], "full")
        self.assertEqual(events[0]["seq"], 1)
        self.assertEqual(events[0]["prev"], "0" * 64)
        check_chain(self, events)
        # The follow's own AccessRecorded is durable before the first event.
        last = events[-1]
        self.assertEqual(last["type"], "AccessRecorded")
        self.assertEqual(last["actor"], "root")
        self.assertEqual(last["body"]["action"], "follow")
        self.assertTrue(any(e["type"] == "RecordImported" and
                            "secret note" in json.dumps(e["body"])
                            for e in events))
        # The stored checkpoint is announced once the follower is past it.
        self.assertEqual(len(checkpoints), 1)
        self.assertEqual(checkpoints[0]["size"], CHECKPOINT_SIZE)
        self.assertEqual(len(base64.b64decode(checkpoints[0]["root"])), 32)
        self.assertIn("test.example/log", checkpoints[0]["note"])
        # Same bytes as `consilium events` prints (docs/event-json.md).
        printed = run("events", "--data", DATA).splitlines()
        self.assertEqual(json.loads(printed[5]), events[5])

    def test_auditor_gets_metadata_and_hashes_but_no_content(self):
        reply, events, _ = asyncio.run(follow_all("aud"))
        self.assertEqual(reply["result"]["view"], "by_role")
        _, full, _ = asyncio.run(follow_all("root"))
        imported = [e for e in events if e["type"] == "RecordImported"]
        self.assertEqual(len(imported), RECORDS)
        for e in imported:
            self.assertEqual(e["redacted"], "metadata")
            self.assertEqual(set(e["body"]),
                             {"record_id", "project_id", "content_hash"})
        self.assertNotIn("secret note", json.dumps(events))
        tokens = [e for e in events if e["type"] == "TokenIssued"]
        self.assertNotIn("token_sha256", tokens[0]["body"])
        by_seq = {e["seq"]: e for e in full}
        for e in events:  # the same chain as the admin's
            self.assertEqual(e["hash"], by_seq[e["seq"]]["hash"])
        check_chain(self, events)

    def test_project_auditor_gets_hashes_only_outside_its_project(self):
        _, events, _ = asyncio.run(follow_all("audp"))
        check_chain(self, events)
        principal = events[0]
        self.assertEqual(set(principal), {"seq", "hash", "prev", "redacted"})
        self.assertEqual(principal["redacted"], "hashes")
        rec = next(e for e in events if e.get("type") == "RecordImported")
        self.assertEqual(rec["redacted"], "metadata")

    def test_annotator_is_refused_and_the_refusal_is_recorded(self):
        reply, _, _ = asyncio.run(follow_all("ann"))
        self.assertEqual(reply["type"], "error")
        self.assertEqual(reply["id"], "s")
        self.assertEqual(reply["error"]["code"], "PERMISSION_DENIED")
        _, events, _ = asyncio.run(follow_all("aud"))
        denied = [e for e in events if e["type"] == "AccessRecorded" and
                  e["actor"] == "ann"]
        self.assertEqual(denied[-1]["body"]["allowed"], False)

    def test_cursor_beyond_head_and_bad_from_are_errors(self):
        async def go():
            async with connect("aud") as ws:
                await ws.send(json.dumps({"id": 1, "type": "follow",
                                          "from": 10 ** 9}))
                a = await recv_json(ws)
                await ws.send(json.dumps({"id": 2, "type": "follow",
                                          "from": -1}))
                b = await recv_json(ws)
                await ws.send(json.dumps({"id": 3, "type": "unfollow",
                                          "subscription": 99}))
                c = await recv_json(ws)
                return a, b, c
        a, b, c = asyncio.run(go())
        self.assertEqual(a["error"]["code"], "OUT_OF_RANGE")
        self.assertEqual(b["error"]["code"], "INVALID_ARGUMENT")
        self.assertEqual(c["error"]["code"], "NOT_FOUND")

    def test_follow_over_tls(self):
        ctx = ssl.create_default_context(cafile=CERT)
        _, events, _ = asyncio.run(follow_all("aud", 10, SERVER.wss, ctx))
        self.assertEqual(events[0]["seq"], 11)
        check_chain(self, events)

    def test_follower_dropped_at_random_points_ends_with_the_ledger(self):
        """Drops the connection at a random event a few hundred times (a
        clean close or an abrupt one) while admin follows append live
        events; resumes from the last event it kept each time."""
        rng = random.Random(17)
        kept = []

        async def one_round(cursor_seq):
            async with connect("aud") as ws:
                await ws.send(json.dumps({"id": "r", "type": "follow",
                                          "from": cursor_seq}))
                reply = await recv_json(ws)
                self.assertEqual(reply["type"], "result", reply)
                # Cut anywhere before the head, or just after it (live).
                ahead = reply["result"]["head"] - cursor_seq
                stop_after = rng.randint(1, ahead + 3)
                taken = 0
                while taken < stop_after:
                    msg = await recv_json(ws)
                    if msg["type"] != "events":
                        continue
                    for e in msg["events"]:
                        want = kept[-1]["seq"] + 1 if kept else 1
                        self.assertEqual(e["seq"], want)
                        if kept:
                            self.assertEqual(e["prev"], kept[-1]["hash"])
                        kept.append(e)
                        taken += 1
                        if taken >= stop_after:
                            break
                if rng.random() < 0.5:
                    ws.transport.abort()

        async def appender(stop):
            # Each admin follow appends its AccessRecorded: live events.
            async with connect("root") as ws:
                k, head = 0, 0
                while not stop.is_set():
                    k += 1
                    await ws.send(json.dumps({"id": k, "type": "follow",
                                              "from": head}))
                    while True:
                        msg = await recv_json(ws)
                        if msg.get("id") == k:
                            head = msg["result"]["head"]
                            break
                    await ws.send(json.dumps({"id": -k, "type": "unfollow",
                                              "subscription": k}))
                    while (await recv_json(ws)).get("id") != -k:
                        pass
                    await asyncio.sleep(0.02)

        async def go():
            stop = asyncio.Event()
            task = asyncio.create_task(appender(stop))
            for i in range(300):
                if os.environ.get("WS_TEST_PROGRESS"):
                    print(f"round {i}: {len(kept)} events", file=sys.stderr)
                try:
                    await one_round(kept[-1]["seq"] if kept else 0)
                except websockets.ConnectionClosed:
                    pass
            stop.set()
            await task
            _, full, _ = await follow_all("root")
            return full

        full = asyncio.run(go())
        self.assertGreater(len(kept), RECORDS)
        by_seq = {e["seq"]: e for e in full}
        for e in kept:
            self.assertEqual(e["hash"], by_seq[e["seq"]]["hash"])
        self.assertEqual([e["seq"] for e in kept],
                         list(range(1, len(kept) + 1)))


class FollowPyTest(unittest.TestCase):
    def follow_py(self, *args):
        return subprocess.run(
            ["/usr/bin/python3", os.path.join(EXAMPLES, "follow.py"),
             "--token", TOKENS["root"], *args],
            capture_output=True, text=True, timeout=120)

    def test_follow_py_verifies_persists_and_resumes(self):
        cursor = os.path.join(TMP, "cursor.json")
        first = self.follow_py("--url", SERVER.wss, "--cafile", CERT,
                               "--cursor-file", cursor, "--once")
        self.assertEqual(first.returncode, 0, first.stderr)
        seqs = [json.loads(line)["seq"] for line in first.stdout.splitlines()]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        self.assertIn(f"checkpoint: size {CHECKPOINT_SIZE}", first.stderr)
        with open(cursor) as f:
            saved = json.load(f)
        self.assertEqual(saved["seq"], seqs[-1])
        second = self.follow_py("--url", SERVER.ws, "--cursor-file", cursor,
                                "--once")
        self.assertEqual(second.returncode, 0, second.stderr)
        more = [json.loads(line) for line in second.stdout.splitlines()]
        self.assertEqual(more[0]["seq"], seqs[-1] + 1)
        self.assertEqual(more[0]["prev"], saved["hash"])

    def test_load_generator_reports_every_follower(self):
        r = subprocess.run(
            ["/usr/bin/python3", os.path.join(EXAMPLES, "ws_load.py"),
             "--url", SERVER.ws, "--token", TOKENS["aud"], "--followers", "4",
             "--until-seq", str(RECORDS)],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["followers"], 4)
        self.assertEqual(out["events_per_follower"], RECORDS)
        self.assertEqual(len(out["events_per_second_per_follower"]), 4)

    def test_follow_py_detects_a_broken_link(self):
        cursor = os.path.join(TMP, "bad_cursor.json")
        with open(cursor, "w") as f:
            json.dump({"seq": 5, "hash": "ab" * 32}, f)
        r = self.follow_py("--url", SERVER.ws, "--cursor-file", cursor,
                           "--once")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("chain broken: event 6", r.stderr)


class EnvelopeTest(unittest.TestCase):
    def exchange(self, frames, token="aud"):
        async def go():
            async with connect(token) as ws:
                out = []
                for f in frames:
                    await ws.send(f)
                    out.append(await recv_json(ws))
                await ws.send(json.dumps({"id": "p", "type": "ping"}))
                out.append(await recv_json(ws))
                return out
        return asyncio.run(go())

    def test_bad_messages_get_a_clear_error_and_the_session_goes_on(self):
        out = self.exchange([
            "not json", "[1,2]", json.dumps({"type": "ping"}),
            json.dumps({"id": {"a": 1}, "type": "ping"}),
            json.dumps({"id": 7, "type": "no_such"}),
            json.dumps({"id": 8}), b"\x00\x01binary",
            '{"id": 9, "id": 10, "type": "ping"}'])
        self.assertIn("invalid JSON at offset 0", out[0]["error"]["message"])
        self.assertIsNone(out[0]["id"])
        self.assertEqual(out[1]["error"]["message"],
                         "message must be a JSON object")
        self.assertEqual(out[2]["error"]["message"], 'message has no "id"')
        self.assertIsNone(out[3]["id"])
        self.assertEqual(out[4]["id"], 7)
        self.assertEqual(out[4]["error"]["message"],
                         'unknown message type "no_such"')
        self.assertEqual(out[5]["id"], 8)
        self.assertIn("binary frames", out[6]["error"]["message"])
        self.assertIn("duplicate key", out[7]["error"]["message"])
        for o in out[:-1]:
            self.assertEqual(o["type"], "error")
            self.assertEqual(o["error"]["code"], "INVALID_ARGUMENT")
        self.assertEqual(out[-1], {"id": "p", "type": "result", "result": {}})

    def test_auth_message_and_refusals(self):
        async def go():
            async with connect(None) as ws:
                await ws.send(json.dumps({"id": 1, "type": "ping"}))
                before = await recv_json(ws)
                await ws.send(json.dumps({"id": 2, "type": "auth",
                                          "token": TOKENS["aud"]}))
                ok = await recv_json(ws)
                await ws.send(json.dumps({"id": 3, "type": "auth",
                                          "token": TOKENS["aud"]}))
                again = await recv_json(ws)
            async with connect(None) as ws:
                await ws.send(json.dumps({"id": 4, "type": "auth",
                                          "token": "nope"}))
                bad = await recv_json(ws)
                with self.assertRaises(websockets.ConnectionClosed) as c:
                    await recv_json(ws)
            return before, ok, again, bad, c.exception
        before, ok, again, bad, closed = asyncio.run(go())
        self.assertEqual(before["error"]["code"], "UNAUTHENTICATED")
        self.assertEqual(ok["result"], {"principal": "aud",
                                        "roles": ["auditor"]})
        self.assertEqual(again["error"]["code"], "FAILED_PRECONDITION")
        self.assertEqual(bad["error"]["code"], "UNAUTHENTICATED")
        self.assertEqual(closed.rcvd.code, 1008)
        self.assertEqual(closed.rcvd.reason, "authentication failed")

    def test_bad_authorization_header_is_401_before_the_upgrade(self):
        async def go():
            headers = {"Authorization": "Bearer wrong"}
            async with websockets.connect(SERVER.ws + "/v1/ws",
                                          extra_headers=headers):
                pass
        with self.assertRaises(websockets.InvalidStatusCode) as c:
            asyncio.run(go())
        self.assertEqual(c.exception.status_code, 401)

    def test_frame_over_the_limit_is_closed_with_1009(self):
        async def go():
            async with connect("aud") as ws:
                # The server closes as soon as it reads the frame's header,
                # so the close may arrive while the send is still draining.
                try:
                    await ws.send(json.dumps({"id": 1, "type": "ping",
                                              "pad": "x" * (1 << 20)}))
                except websockets.ConnectionClosed as e:
                    return e
                with self.assertRaises(websockets.ConnectionClosed) as c:
                    await recv_json(ws)
                return c.exception
        closed = asyncio.run(go())
        self.assertEqual(closed.rcvd.code, 1009)

    def test_disconnect_mid_frame_leaves_the_server_serving(self):
        s = socket.create_connection(("127.0.0.1", SERVER.port))
        s.sendall((
            "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Authorization: Bearer {TOKENS['aud']}\r\n\r\n").encode())
        self.assertIn(b"101", s.recv(4096))
        # A masked text frame announcing 1000 bytes, then 10 of them.
        s.sendall(bytes([0x81, 0x80 | 126, 0x03, 0xE8, 1, 2, 3, 4]) +
                  b"x" * 10)
        s.close()
        out = self.exchange([json.dumps({"id": 1, "type": "ping"})])
        self.assertEqual(out[0]["type"], "result")

    def test_a_client_that_stops_reading_does_not_stall_others(self):
        async def go():
            # max_queue=1, small read limit: the client library stops
            # reading its socket once one frame waits unread.
            async with connect("aud", max_queue=1, read_limit=1 << 10,
                               write_limit=1 << 10) as stuck:
                await stuck.send(json.dumps({"id": 1, "type": "follow",
                                             "from": 0}))
                await asyncio.sleep(0.5)
                _, events, _ = await follow_all("aud")
                async with connect("aud") as other:
                    await other.send(json.dumps({"id": 2, "type": "ping"}))
                    pong = await recv_json(other)
                stuck.transport.abort()
                return events, pong
        events, pong = asyncio.run(go())
        self.assertGreater(len(events), RECORDS)
        self.assertEqual(pong["type"], "result")


class ShutdownTest(unittest.TestCase):
    def test_stop_with_clients_connected_sends_close_frames(self):
        server = Server(DATA2, CERT, KEY)

        async def go():
            async with connect("aud2", server.ws) as a, \
                    connect("aud2", server.wss,
                            ssl=ssl.create_default_context(cafile=CERT)) as b:
                await a.send(json.dumps({"id": 1, "type": "follow"}))
                await recv_json(a)
                await b.send(json.dumps({"id": 1, "type": "ping"}))
                await recv_json(b)
                server.terminate()
                codes = []
                for ws in (a, b):
                    with self.assertRaises(websockets.ConnectionClosed) as c:
                        while True:
                            await recv_json(ws, 20)
                    codes.append((c.exception.rcvd.code,
                                  c.exception.rcvd.reason))
                return codes
        try:
            codes = asyncio.run(go())
        finally:
            rc = server.stop()
        self.assertEqual(codes, [(1001, "server shutting down")] * 2)
        self.assertEqual(rc, 0)


if __name__ == "__main__":
    BIN, EXAMPLES = sys.argv[1], sys.argv[2]
    sys.path.insert(0, EXAMPLES)
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[3:]])
