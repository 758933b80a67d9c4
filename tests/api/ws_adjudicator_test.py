#!/usr/bin/python3
"""The adjudicators' WebSocket protocol against a real `consilium serve`.

    ws_adjudicator_test.py CONSILIUM_BIN SOURCE_DIR

A ledger is made with the CLI (project icu with overlap 3, the icu-severity
schema, annotators and adjudicators), served over TLS. Three annotators
disagree over HTTP while two adjudicators are subscribed: both are told the
depth; one claims over the WebSocket and decides, the other sees the depth
fall; everything is readable over HTTP afterwards. Then the rules: the
item's own annotator cannot claim; a short lease warns, is lost and a
decision under it is refused; bad frames are answered and append nothing;
examples/adjudicator.py decides non-interactively; a revoked role closes
its session; SIGTERM closes every session, and a lease that expired while
the server was down is returned once at the restart. docs/websocket.md,
"Adjudication", says what each should get.

The tests run in name order on one ledger (each leaves the queue as the
next expects).
"""

import asyncio
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import faulthandler
import websockets

faulthandler.dump_traceback_later(280, exit=True)

BIN = None
SRC = None
RECORDS = ["rec-1", "rec-2", "rec-3", "rec-4", "rec-5", "rec-6"]
# Three physicians disagree on every record.
VALUES = {"dr-a": "critical", "dr-b": "critical", "dr-c": "serious"}


def run(*args, stdin=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"{args}: {p.returncode} {p.stderr}")
    return p.stdout


def add_user(name, role, project=None):
    args = ["user", "add", name, "--data", DATA, "--role", role]
    if project:
        args += ["--project", project]
    if name != "admin":
        args += ["--actor", "admin"]
    return run(*args).strip().splitlines()[-1]


def die_with_parent():
    import ctypes
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Server:
    def __init__(self):
        self.proc = subprocess.Popen(
            [BIN, "serve", "--data", DATA, "--listen", "127.0.0.1:0",
             "--tls-cert", CERT, "--tls-key", KEY],
            stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
        line = self.proc.stdout.readline()
        assert "listening on https://" in line, line
        self.port = int(line.rsplit(":", 1)[1])
        self.wss = f"wss://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.proc.stdout.close()
        return code


def tls():
    return ssl.create_default_context(cafile=CERT)


def call(method, path, token, body=None):
    """(status, JSON body) of an HTTPS request to the server."""
    c = http.client.HTTPSConnection("127.0.0.1", SERVER.port, context=tls(),
                                    timeout=30)
    headers = {"Authorization": "Bearer " + TOKENS[token]}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=headers)
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    return r.status, (json.loads(text) if text.strip() else None)


def ok(status, method, path, token, body=None):
    got, doc = call(method, path, token, body)
    assert got == status, f"{method} {path}: {got} {doc}"
    return doc


def head():
    return ok(200, "GET", "/v1/ledger/head", "admin")["seq"]


def events():
    return [json.loads(line) for line in
            run("events", "--data", DATA).splitlines() if line.strip()]


def annotate(record):
    for who, value in VALUES.items():
        ok(201, "POST", "/v1/projects/icu/assignments", "admin",
           {"record": record, "annotator": who})
        ok(201, "POST", "/v1/annotations", who,
           {"annotation_id": f"{who}-{record}", "record": record,
            "schema": "icu-severity@1", "values": {"severity": value}})


def setUpModule():
    global TMP, DATA, TOKENS, SERVER, CERT, KEY
    TMP = tempfile.mkdtemp(prefix="consilium_wsadj_test_")
    DATA = os.path.join(TMP, "ledger")
    run("init", "--data", DATA)
    TOKENS = {"admin": add_user("admin", "admin")}
    run("project", "create", "--data", DATA, "--id", "icu", "--name", "ICU",
        "--overlap", "3")
    run("schema", "publish", "--data", DATA,
        os.path.join(SRC, "schemas/examples/icu-severity.json"))
    for who in ("dr-a", "dr-b"):
        TOKENS[who] = add_user(who, "annotator", "icu")
    for who in ("dr-k", "dr-j", "dr-r"):
        TOKENS[who] = add_user(who, "adjudicator", "icu")
    TOKENS["res"] = add_user("res", "researcher", "icu")
    CERT, KEY = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", KEY, "-out", CERT, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    SERVER = Server()
    # dr-c annotates every record and adjudicates too (conflict of interest).
    c = ok(201, "POST", "/v1/principals", "admin",
           {"id": "dr-c", "roles": [{"role": "annotator", "project": "icu"},
                                    {"role": "adjudicator",
                                     "project": "icu"}]})
    TOKENS["dr-c"] = c["token"]
    ok(201, "POST", "/v1/projects/icu/records", "admin",
       {"records": [{"id": r, "text": f"{r}: MAP 64 on noradrenaline"}
                    for r in RECORDS]})


def tearDownModule():
    SERVER.stop()
    shutil.rmtree(TMP, ignore_errors=True)


class Session:
    """A WebSocket session: replies by id, pushes kept in order."""

    def __init__(self, ws):
        self.ws = ws
        self.pushes = []
        self.next_id = 0

    async def recv(self, timeout=10):
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def send_raw(self, text):
        await self.ws.send(text)

    async def reply(self, msg_id, timeout=20):
        while True:
            msg = await self.recv(timeout)
            if "id" in msg and msg["id"] == msg_id:
                return msg
            self.pushes.append(msg)

    async def call(self, type_, **fields):
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, "type": type_,
                                       **fields}))
        return await self.reply(self.next_id)

    async def push(self, pred, timeout=15):
        """The first push (kept or new) for which pred holds."""
        for i, p in enumerate(self.pushes):
            if pred(p):
                return self.pushes.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no such push; got {self.pushes}")
            msg = await self.recv(left)
            if pred(msg):
                return msg
            self.pushes.append(msg)

    async def depth(self, want, timeout=15):
        return await self.push(lambda p: p.get("type") == "queue_depth" and
                               p["depth"] == want, timeout)


def connect(token):
    return websockets.connect(
        SERVER.wss + "/v1/ws",
        extra_headers={"Authorization": "Bearer " + TOKENS[token]},
        ssl=tls(), max_size=64 << 20)


class AdjudicatorTest(unittest.TestCase):
    def test_1_disagreement_is_pushed_claimed_over_ws_and_decided(self):
        asyncio.run(self._disagreement())

    async def _disagreement(self):
        async with connect("dr-k") as wk, connect("dr-j") as wj:
            k, j = Session(wk), Session(wj)
            for s in (k, j):
                r = await s.call("subscribe", queue="icu")
                self.assertEqual(r["type"], "result", r)
                self.assertEqual(r["result"]["depth"], 0)
            r = await j.call("subscribe", queue="icu", field="severity")
            self.assertEqual(r["result"]["field"], "severity")
            annotate("rec-1")
            p = await k.depth(1)
            self.assertEqual(p["queue"], "icu")
            self.assertIsNone(p["field"])
            await j.push(lambda p: p.get("type") == "queue_depth" and
                         p["field"] == "severity" and p["depth"] == 1)
            for rec in RECORDS[1:]:
                annotate(rec)
            # Coalesced: the last push carries the final depth.
            await k.depth(len(RECORDS))
            await j.depth(len(RECORDS))
            before = head()
            claim = await k.call("claim", queue="icu")
            self.assertEqual(claim["type"], "result", claim)
            c = claim["result"]
            self.assertEqual(c["adjudicator"], "dr-k")
            self.assertEqual(c["field"], "severity")
            shown = c["shown"]
            self.assertEqual(len(shown["annotations"]), 3)
            for a in shown["annotations"]:
                self.assertNotIn(a["annotator"], ("dr-a", "dr-b", "dr-c"))
                self.assertEqual(a["trace"], {"severity": a["value"]})
            self.assertEqual(shown["distribution"][0]["counts"],
                             {"critical": 2, "serious": 1})
            self.assertIn("soft_label", shown["distribution"][0])
            self.assertTrue(shown["agreement"])
            self.assertIn(c["record"], shown["record_content"]
                          if isinstance(shown["record_content"], str)
                          else json.dumps(shown["record_content"]))
            # The claim, then the access event, both durable.
            self.assertEqual(c["lease"], before + 1)
            self.assertGreater(c["access_seq"], c["lease"])
            access = [e for e in events() if e["seq"] == c["access_seq"]][0]
            self.assertEqual(access["type"], "AccessRecorded")
            self.assertEqual(access["actor"], "dr-k")
            self.assertEqual(access["body"]["action"], "adjudicate")
            # Both subscribers see the depth fall.
            await k.depth(len(RECORDS) - 1)
            await j.depth(len(RECORDS) - 1)
            hb = await k.call("heartbeat", lease=c["lease"])
            self.assertEqual(hb["result"]["action"], "heartbeat")
            self.assertGreaterEqual(hb["result"]["expires_us"],
                                    c["expires_us"])
            d = await k.call("decide", lease=c["lease"], field="severity",
                             value="critical",
                             rationale="lactate 4.1, on two pressors")
            self.assertEqual(d["type"], "result", d)
            self.assertEqual(d["result"]["outcome"], "decided")
            self.assertEqual(d["result"]["state"], "decided")
            # Decided under the session's own lease: no lease_lost.
            r = await k.call("ping")
            self.assertFalse([p for p in k.pushes
                              if p.get("type") == "lease_lost"])
            u = await j.call("unsubscribe", queue="icu", field="severity")
            self.assertEqual(u["type"], "result")
        record = c["record"]
        item = ok(200, "GET", f"/v1/projects/icu/records/{record}/adjudication"
                  "?field=severity", "admin")
        self.assertEqual(item["item"]["state"], "decided")
        self.assertEqual(len(item["current_annotations"]), 3)
        self.assertEqual(item["round"][0]["rationale"],
                         "lactate 4.1, on two pressors")
        dist = ok(200, "GET", f"/v1/records/{record}/distribution", "res")
        self.assertIn("critical", json.dumps(dist))
        self.assertIn("serious", json.dumps(dist))
        anns = ok(200, "GET", f"/v1/records/{record}/annotations", "admin")
        self.assertEqual(len(anns["annotations"]), 3)
        AdjudicatorTest.decided_record = record

    def test_2_the_items_own_annotator_cannot_claim(self):
        asyncio.run(self._own_annotator())

    async def _own_annotator(self):
        async with connect("dr-c") as w:
            s = Session(w)
            before = head()
            r = await s.call("claim", queue="icu")
            self.assertEqual(r["type"], "error", r)
            self.assertEqual(r["error"]["code"], "NOT_FOUND")
            self.assertEqual(head(), before)
        # Nobody else's lease either: PERMISSION_DENIED, and recorded.
        async with connect("dr-j") as wj, connect("dr-c") as wc:
            j, c = Session(wj), Session(wc)
            claim = (await j.call("claim", queue="icu"))["result"]
            before = head()
            r = await c.call("decide", lease=claim["lease"], field="severity",
                             value="serious", rationale="mine")
            self.assertEqual(r["error"]["code"], "PERMISSION_DENIED", r)
            denied = [e for e in events() if e["seq"] > before]
            self.assertEqual([e["type"] for e in denied], ["AccessRecorded"])
            self.assertFalse(denied[0]["body"]["allowed"])
            self.assertEqual(denied[0]["body"]["resource_kind"], "project")
            self.assertEqual(denied[0]["body"]["resource_id"], "icu")
            rel = await j.call("release", lease=claim["lease"])
            self.assertEqual(rel["result"]["action"], "release")

    def test_3_a_lease_that_expires_is_lost_and_refuses_the_decision(self):
        asyncio.run(self._expiry())

    async def _expiry(self):
        async with connect("dr-j") as w:
            s = Session(w)
            claim = (await s.call("claim", queue="icu", ttl_seconds=2))
            self.assertEqual(claim["type"], "result", claim)
            lease = claim["result"]["lease"]
            warn = await s.push(lambda p: p.get("type") == "lease_expiring")
            self.assertEqual(warn["lease"], lease)
            self.assertLessEqual(warn["remaining_ms"], 2000)
            lost = await s.push(lambda p: p.get("type") == "lease_lost")
            self.assertEqual(lost["lease"], lease)
            self.assertEqual(lost["reason"], "expired")
            before = head()
            r = await s.call("decide", lease=lease, field="severity",
                             value="critical", rationale="too late")
            self.assertEqual(r["type"], "error")
            self.assertEqual(r["error"]["code"], "FAILED_PRECONDITION", r)
            self.assertEqual(head(), before)
            expired = [e for e in events()
                       if e["type"] == "AdjudicationLeaseExpired" and
                       e["body"]["lease_seq"] == lease]
            self.assertEqual(len(expired), 1)

    def test_4_bad_frames_get_specific_errors_and_append_nothing(self):
        asyncio.run(self._bad_frames())

    async def _bad_frames(self):
        async with connect("dr-k") as w:
            s = Session(w)
            before = head()
            await s.send_raw("{not json")
            r = await s.recv()
            self.assertIsNone(r["id"])
            self.assertEqual(r["error"]["code"], "INVALID_ARGUMENT")
            self.assertIn("invalid JSON", r["error"]["message"])
            await s.send_raw(json.dumps({"type": "claim", "queue": "icu"}))
            r = await s.recv()
            self.assertIsNone(r["id"])
            self.assertIn('no "id"', r["error"]["message"])
            cases = [
                ({"type": "adjudicate"}, "INVALID_ARGUMENT",
                 'unknown message type "adjudicate"'),
                ({"type": "decide", "field": "severity", "value": "critical",
                  "rationale": "x"}, "INVALID_ARGUMENT", '"lease" required'),
                ({"type": "decide", "lease": "7", "field": "severity",
                  "value": "critical", "rationale": "x"}, "INVALID_ARGUMENT",
                 "positive integer"),
                ({"type": "decide", "lease": 999999, "field": "severity",
                  "value": "critical", "rationale": "x"}, "NOT_FOUND", None),
                ({"type": "heartbeat", "lease": 0}, "INVALID_ARGUMENT",
                 "positive integer"),
                ({"type": "claim", "queue": "icu", "ttl": 5},
                 "INVALID_ARGUMENT", 'unknown key "ttl"'),
                ({"type": "claim", "queue": "icu", "ttl_seconds": 0},
                 "INVALID_ARGUMENT", "claim: ttl_seconds"),
                ({"type": "subscribe"}, "INVALID_ARGUMENT",
                 '"queue" required'),
                ({"type": "subscribe", "queue": "nowhere"}, "NOT_FOUND",
                 "nowhere"),
                ({"type": "unsubscribe", "queue": "icu"}, "NOT_FOUND", None),
            ]
            for i, (msg, code, text) in enumerate(cases):
                await s.send_raw(json.dumps({"id": f"b{i}", **msg}))
                r = await s.reply(f"b{i}")
                self.assertEqual(r["type"], "error", (msg, r))
                self.assertEqual(r["error"]["code"], code, (msg, r))
                if text:
                    self.assertIn(text, r["error"]["message"], msg)
            # A decision without a rationale, under a real lease.
            claim = (await s.call("claim", queue="icu"))["result"]
            mid = head()
            for bad, text in [({"value": "critical"}, "rationale"),
                              ({"rationale": "x"}, "exactly one"),
                              ({"value": "fatal", "rationale": "x"}, "fatal"),
                              ({"value": "critical", "ambiguous": True,
                                "rationale": "x"}, "exactly one")]:
                r = await s.call("decide", lease=claim["lease"],
                                 field="severity", **bad)
                self.assertEqual(r["error"]["code"], "INVALID_ARGUMENT", r)
                self.assertIn(text, r["error"]["message"])
            self.assertEqual(head(), mid)
            rel = await s.call("release", lease=claim["lease"])
            self.assertEqual(rel["type"], "result")
            # Nothing but the claim, its access and the release.
            self.assertEqual([e["type"] for e in events()
                              if e["seq"] > before],
                             ["AdjudicationClaimed", "AccessRecorded",
                              "AdjudicationReleased"])

    def test_5_the_example_client_decides_non_interactively(self):
        before = ok(200, "GET", "/v1/projects/icu/adjudication/queue",
                    "admin")["queued"]
        env = dict(os.environ, CONSILIUM_TOKEN=TOKENS["dr-k"])
        p = subprocess.run(
            ["/usr/bin/python3", os.path.join(SRC, "examples/adjudicator.py"),
             "--url", SERVER.wss, "--queue", "icu", "--cacert", CERT,
             "--wait", "10", "--decide", '"critical"', "--rationale",
             "two pressors, lactate rising"],
            capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("annotations (3)", p.stdout)
        self.assertIn("distribution (icu-severity@1)", p.stdout)
        out = json.loads(p.stdout[p.stdout.rindex("\n{") + 1:])
        self.assertEqual(out["outcome"], "decided")
        self.assertEqual(out["adjudicator"], "dr-k")
        after = ok(200, "GET", "/v1/projects/icu/adjudication/queue",
                   "admin")["queued"]
        self.assertEqual(after, before - 1)
        before = after
        # Interactive: the decision and rationale typed at its prompts.
        p = subprocess.run(
            ["/usr/bin/python3", os.path.join(SRC, "examples/adjudicator.py"),
             "--url", SERVER.wss, "--queue", "icu", "--cacert", CERT,
             "--wait", "10"],
            input="ambiguous\nthe note supports both readings\n",
            capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("decision for severity", p.stdout)
        out = json.loads(p.stdout[p.stdout.rindex("\n{") + 1:])
        self.assertEqual(out["outcome"], "ambiguous")
        self.assertEqual(out["rationale"], "the note supports both readings")
        # A refusal is exit 2 with the server's code.
        p = subprocess.run(
            ["/usr/bin/python3", os.path.join(SRC, "examples/adjudicator.py"),
             "--url", SERVER.wss, "--queue", "nowhere", "--cacert", CERT,
             "--token", TOKENS["dr-k"], "--wait", "1"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("NOT_FOUND", p.stderr)

    def test_6_a_revoked_role_closes_the_session_with_the_reason(self):
        asyncio.run(self._revoked())

    async def _revoked(self):
        async with connect("dr-r") as w:
            s = Session(w)
            r = await s.call("subscribe", queue="icu")
            self.assertEqual(r["type"], "result")
            ok(200, "POST", "/v1/principals/dr-r/roles/revoke", "admin",
               {"role": "adjudicator", "project": "icu"})
            with self.assertRaises(websockets.exceptions.ConnectionClosed):
                while True:
                    await s.recv(timeout=10)
            self.assertEqual(w.close_code, 1008)
            self.assertIn("role revoked", w.close_reason)
            self.assertIn("adjudicator", w.close_reason)

    def test_7_restart_closes_sessions_and_returns_an_expired_lease_once(self):
        global SERVER
        lease, depth = asyncio.run(self._claim_then_stop())
        SERVER.stop()
        # The lease's deadline passes while no server runs.
        time.sleep(max(0.0, self.deadline_us / 1e6 - time.time()) + 0.3)
        SERVER = Server()
        expired = [e for e in events()
                   if e["type"] == "AdjudicationLeaseExpired" and
                   e["body"]["lease_seq"] == lease]
        self.assertEqual(len(expired), 1)
        asyncio.run(self._after_restart(lease, depth))

    async def _claim_then_stop(self):
        async with connect("dr-j") as wj, connect("dr-k") as wk:
            j, k = Session(wj), Session(wk)
            depth = (await k.call("subscribe", queue="icu"))["result"]["depth"]
            self.assertGreater(depth, 0)
            claim = (await j.call("claim", queue="icu", ttl_seconds=2))
            self.assertEqual(claim["type"], "result", claim)
            self.deadline_us = claim["result"]["expires_us"]
            await k.depth(depth - 1)
            SERVER.proc.send_signal(signal.SIGTERM)
            for ws in (wj, wk):
                with self.assertRaises(
                        websockets.exceptions.ConnectionClosed):
                    while True:
                        await asyncio.wait_for(ws.recv(), 20)
                self.assertEqual(ws.close_code, 1001)
                self.assertEqual(ws.close_reason, "server shutting down")
            return claim["result"]["lease"], depth

    async def _after_restart(self, lease, depth):
        async with connect("dr-j") as w:
            s = Session(w)
            r = await s.call("subscribe", queue="icu")
            self.assertEqual(r["result"]["depth"], depth)
            r = await s.call("heartbeat", lease=lease)
            self.assertEqual(r["type"], "error")
            self.assertEqual(r["error"]["code"], "FAILED_PRECONDITION", r)
        # Still once, after the sweeper ran a few times.
        time.sleep(1.2)
        self.assertEqual(len([e for e in events()
                              if e["type"] == "AdjudicationLeaseExpired" and
                              e["body"]["lease_seq"] == lease]), 1)


if __name__ == "__main__":
    BIN, SRC = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
