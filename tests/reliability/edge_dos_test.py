#!/usr/bin/python3
"""Denial of service at the edge, against a real `consilium serve`.

    edge_dos_test.py CONSILIUM_BIN SOURCE_DIR

Each test starts `consilium serve --max-connections 48
--header-timeout-ms 2000` on a fresh ledger, runs a well-behaved client
throughout (an annotator reading a record and /healthz on a kept-alive
connection, every 50 ms; every answer must be 200) and attacks the edge:

- idle connections, more than the limit: the server never holds more than
  --max-connections, closes the excess at once (counted in
  consilium_http_connections_refused_total), closes the idle ones at the
  header timeout, and then answers new connections;
- a flood of bad tokens (long ones, long paths, several routes): every one
  is 401, and each is recorded as exactly one denied AccessRecorded of
  bounded size (the policy: docs/reliability.md, "Edge denial of service");
- WebSocket clients that never read: one that keeps sending pings is
  disconnected at its queue bound (4096 messages); a follower of a large
  ledger is paced, not buffered (the server's memory stays flat).

The server's RSS is sampled before and after each attack.
docs/reliability.md says what each test proves.
"""

import os
import random
import shutil
import socket
import string
import struct
import sys
import tempfile
import threading
import time
import unittest
import http.client
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_load as sl  # noqa: E402

BIN = SOURCE = None
LIMIT = 48
HEADER_TIMEOUT_MS = 2000
# What an attack may add to the server's resident memory.
RSS_SLACK_KIB = 48 << 10
BIG_RECORDS = 1500  # 2 KiB each: 3 MiB of events for the never-reading follower


class KeptAlive:
    """One kept-alive HTTP connection; reconnects once when the server has
    closed it (its idle timeout)."""

    def __init__(self, port, token=None):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path):
        for attempt in (0, 1):
            try:
                return sl.request(self.port, "GET", path, self.token,
                                  conn=self.conn)
            except (OSError, http.client.HTTPException):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=30)

    def metric(self, name):
        status, text = self.get("/metrics")
        assert status == 200, status
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{}"):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"no metric {name}")

    def close(self):
        self.conn.close()


class WellBehaved(threading.Thread):
    """Reads rec-0 as its assigned annotator and /healthz, one request each
    every 50 ms on one kept-alive connection; every failure is kept."""

    def __init__(self, port, token):
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.stop = threading.Event()
        self.failures, self.answered, self.worst = [], 0, 0.0

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            for path, token in (("/v1/records/rec-0", self.token),
                                ("/healthz", None)):
                started = time.monotonic()
                try:
                    status, _ = sl.request(self.port, "GET", path, token,
                                           conn=conn)
                except (OSError, http.client.HTTPException) as e:
                    self.failures.append((path, repr(e)))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                      timeout=30)
                    continue
                self.worst = max(self.worst, time.monotonic() - started)
                if status != 200:
                    self.failures.append((path, status))
                self.answered += 1
            self.stop.wait(0.05)
        conn.close()


def ws_upgrade(port, token, rcvbuf=4096):
    """A raw WebSocket connection with a small receive buffer (set before
    connect, so the window stays small); returns the socket after 101."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    s.sendall((
        "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Authorization: Bearer {token}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise AssertionError("closed before the upgrade: " + repr(head))
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def ws_frame(text):
    """A masked text frame (client to server)."""
    payload = text.encode()
    mask = b"\x01\x02\x03\x04"
    n = len(payload)
    head = bytes([0x81])
    if n < 126:
        head += bytes([0x80 | n])
    else:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def setUpModule():
    global TMP, TEMPLATE, TOKENS
    TMP = tempfile.mkdtemp(prefix="consilium_edge_dos_")
    TEMPLATE = os.path.join(TMP, "template", "ledger")
    os.makedirs(os.path.dirname(TEMPLATE))
    TOKENS = sl.prepare_ledger(BIN, TEMPLATE, SOURCE, annotators=1,
                               records=2)
    note = "".join(random.Random(1).choice(string.ascii_letters)
                   for _ in range(2048))
    lines = [json.dumps({"type": "RecordImported", "actor": "root",
                         "body": {"record_id": f"big-{i}",
                                  "project_id": sl.PROJECT,
                                  "content": {"text": note}}})
             for i in range(BIG_RECORDS)]
    sl.run(BIN, "append", "--data", TEMPLATE, stdin="\n".join(lines) + "\n")


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


class EdgeTest(unittest.TestCase):
    def setUp(self):
        self.data = os.path.join(TMP, self.id().rsplit(".", 1)[1])
        shutil.copytree(TEMPLATE, self.data)
        # Under ASan (the asan test preset sets ASAN_OPTIONS) freed memory
        # waits in a quarantine of 256 MiB by default, which is RSS that is
        # not ours; bounded here so the RSS check still means something.
        env = dict(os.environ)
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] += ":quarantine_size_mb=16"
        self.server = sl.Server(BIN, self.data, [
            "--max-connections", str(LIMIT),
            "--header-timeout-ms", str(HEADER_TIMEOUT_MS)], env=env)
        self.observer = KeptAlive(self.server.port)
        self.good = WellBehaved(self.server.port, TOKENS["ann-0"])
        self.good.start()
        sl.wait_for(lambda: self.good.answered >= 4, 30,
                    "the well-behaved client's first answers")
        self.rss_before = self.server.rss_kib()
        self.fds_before = self.server.fds()

    def tearDown(self):
        self.good.stop.set()
        self.good.join(timeout=30)
        self.observer.close()
        if self.server.proc.poll() is None:
            self.server.stop()

    def assertServedThroughout(self):
        rss = self.server.rss_kib()
        self.assertLess(rss - self.rss_before, RSS_SLACK_KIB,
                        f"RSS {self.rss_before} -> {rss} KiB")
        # The well-behaved client keeps being answered after the attack.
        after = self.good.answered
        sl.wait_for(lambda: self.good.answered >= after + 4 or
                    self.good.failures, 30, "the well-behaved client's answers")
        self.good.stop.set()
        self.good.join(timeout=30)
        self.assertEqual(self.good.failures, [])
        status, body = sl.request(self.server.port, "GET", "/healthz")
        self.assertEqual((status, body), (200, {"status": "ok"}))

    def test_idle_connections_stay_within_the_limit_and_time_out(self):
        base = self.observer.metric("consilium_http_open_connections")
        refused0 = self.observer.metric(
            "consilium_http_connections_refused_total")
        excess = 40
        idle = sl.open_idle(self.server.port, LIMIT + excess)
        # Every connection over the limit is closed at once and counted.
        sl.wait_for(lambda: self.observer.metric(
            "consilium_http_connections_refused_total") - refused0 >=
            excess + base - 1, 20, "the excess connections refused")
        peak = self.observer.metric("consilium_http_open_connections")
        self.assertLessEqual(peak, LIMIT)
        # The idle ones are closed at the header timeout (silently: no byte
        # came), every one of them, and the count goes back to the clients.
        for s in idle:
            s.settimeout(HEADER_TIMEOUT_MS / 1000 + 20)
            try:
                self.assertEqual(s.recv(1), b"")
            except ConnectionResetError:
                pass
            s.close()
        sl.wait_for(lambda: self.observer.metric(
            "consilium_http_open_connections") <= base, 20,
            "the idle connections closed")
        # No socket left behind (a few files: RocksDB may roll its log).
        self.assertLessEqual(self.server.fds(), self.fds_before + 8)
        # New connections are served again.
        status, _ = sl.request(self.server.port, "GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertServedThroughout()

    def test_bad_token_flood_is_refused_and_recorded_once_each(self):
        rng = random.Random(7)
        paths = [("GET", "/v1/records/rec-0"), ("GET", "/v1/whoami"),
                 ("POST", "/v1/annotations"),
                 ("GET", "/v1/" + "x" * 4000),
                 ("GET", "/v1/records/" + "r" * 3000)]
        # An unmatched path is 404 before authentication (nothing to
        # protect, nothing recorded); every other request is 401.
        counts = {}
        lock = threading.Lock()

        def flood(n):
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port,
                                              timeout=30)
            for _ in range(n):
                method, path = rng.choice(paths)
                token = "csl_" + "".join(
                    rng.choice(string.ascii_letters)
                    for _ in range(rng.choice([8, 43, 4000])))
                status, _ = sl.request(self.server.port, method, path, token,
                                       body={} if method == "POST" else None,
                                       conn=conn)
                with lock:
                    key = (path.startswith("/v1/x"), status)
                    counts[key] = counts.get(key, 0) + 1
            conn.close()

        threads = [threading.Thread(target=flood, args=(250,))
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        # Raw bytes that are not UTF-8 in the path, plain and
        # percent-encoded: the answers are JSON text, and so are the events
        # recording the refusals (found by the http_request fuzzer).
        for path in (b"/v1/records/r\xa0\xd0", b"/v1/records/r%a0%d0",
                     b"/v1/nothin\xa0\xd0here"):
            s = socket.create_connection(("127.0.0.1", self.server.port))
            s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n"
                      b"Authorization: Bearer csl_bad\r\n"
                      b"Connection: close\r\n\r\n")
            raw = b""
            while chunk := s.recv(65536):
                raw += chunk
            s.close()
            head, body = raw.split(b"\r\n\r\n", 1)
            status = int(head.split()[1])
            self.assertIn(status, (401, 404), raw)
            json.loads(body.decode("utf-8"))  # strict UTF-8, valid JSON
            key = (b"nothin" in path, status)
            counts[key] = counts.get(key, 0) + 1
        refused = counts.get((False, 401), 0)
        self.assertEqual(refused + counts.get((True, 404), 0), 1003, counts)
        self.assertGreater(refused, 500)
        self.assertServedThroughout()
        self.assertEqual(self.server.stop(), 0)
        # The policy: one denied AccessRecorded per refusal, no more, each of
        # bounded size whatever the token and path sent.
        # sl.run decodes strictly: an event with bytes that are not UTF-8
        # fails here.
        denied = [e for e in sl.ledger_events(BIN, self.data, 1)
                  if e["type"] == "AccessRecorded" and
                  not e["body"]["allowed"] and e["actor"] == "(anonymous)"]
        self.assertEqual(len(denied), refused)
        sizes = sl.event_sizes(BIN, self.data)
        biggest = max(sizes[e["seq"]] for e in denied)
        print(f"bad tokens: {refused} refused, {len(denied)} denied events, "
              f"the biggest {biggest} bytes", file=sys.stderr)
        self.assertLessEqual(biggest, 1536)
        for e in denied:
            self.assertNotIn("csl_", json.dumps(e))  # no token echoed

    def test_websocket_clients_that_never_read(self):
        base = self.observer.metric("consilium_http_open_connections")
        # A follower of ~3 MiB of events that never reads: paced by its
        # queue window, never disconnected for it, memory flat.
        follower = ws_upgrade(self.server.port, TOKENS["root"])
        follower.sendall(ws_frame(json.dumps({"id": "f", "type": "follow",
                                              "from": 0})))
        # A client that sends pings and never reads the answers: its queue
        # reaches 4096 messages and the server drops it.
        pinger = ws_upgrade(self.server.port, TOKENS["root"])
        frame = ws_frame(json.dumps({"id": 1, "type": "ping"})) * 256
        sent, dropped = 0, False
        try:
            while sent < 400_000:
                pinger.sendall(frame)
                sent += 256
        except (BrokenPipeError, ConnectionResetError):
            dropped = True
        if not dropped:
            # Everything was sent before the server noticed: it must still
            # drop the connection (its queue is past the bound).
            sl.wait_for(lambda: self.observer.metric(
                "consilium_http_open_connections") <= base + 1, 30,
                "the non-reading pinger dropped")
        pinger.close()
        print(f"pinger: {sent} pings sent, dropped while sending: {dropped}",
              file=sys.stderr)
        # The pinger's session is gone; the follower's stays (paced).
        sl.wait_for(lambda: self.observer.metric(
            "consilium_http_open_connections") == base + 1, 20,
            "only the follower left open")
        self.assertServedThroughout()
        follower.close()


if __name__ == "__main__":
    BIN, SOURCE = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[3:]])
