"""A real `consilium serve` and a mixed client load against it: the pieces the
crash loop (crash_loop_test.py), the edge denial-of-service tests
(edge_dos_test.py) and the soak (soak.py) share. docs/reliability.md says
what each of them proves.

The load: HTTP workers on kept-alive connections submitting annotations
(each its own annotation id; a 201 names the committed event, seq and hash)
and reading records (each 200 was preceded by a durable AccessRecorded),
and WebSocket followers of the event stream (every event received, seq and
hash, with each chain link checked as it arrives). What each client saw is
kept, so a caller can check it against the ledger once the server is gone.
"""

import asyncio
import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time

import websockets

PROJECT = "p1"
SCHEMA = "icu-severity@1"
LEVELS = ["stable", "guarded", "serious", "critical"]


def run(bin_path, *args, stdin=None, timeout=300):
    # Strict UTF-8: an event printed with bytes that are not UTF-8 fails
    # here rather than passing as replacement characters.
    p = subprocess.run([bin_path, *args], input=stdin, capture_output=True,
                       text=True, encoding="utf-8", errors="strict",
                       timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"consilium {' '.join(args)}: exit "
                             f"{p.returncode}: {p.stderr.strip()}")
    return p.stdout


def prepare_ledger(bin_path, data, source_dir, annotators=2, records=4):
    """A ledger with an admin (root), `annotators` annotators (ann-0...)
    each assigned to every record rec-0..., and the icu-severity schema.
    Returns {name: token}."""
    run(bin_path, "init", "--data", data)
    tokens = {"root": run(bin_path, "user", "add", "root", "--role", "admin",
                          "--data", data).strip().splitlines()[-1]}
    run(bin_path, "project", "create", "--data", data, "--id", PROJECT,
        "--name", "Reliability", "--actor", "root")
    run(bin_path, "schema", "publish",
        os.path.join(source_dir, "schemas/examples/icu-severity.json"),
        "--data", data, "--actor", "root")
    lines = "".join(json.dumps({"id": f"rec-{i}",
                                "text": f"note {i}: lactate {i % 5}.1"}) + "\n"
                    for i in range(records))
    path = os.path.join(os.path.dirname(data), "records.jsonl")
    with open(path, "w") as f:
        f.write(lines)
    run(bin_path, "import", "records", path, "--data", data, "--project",
        PROJECT, "--actor", "root")
    for a in range(annotators):
        name = f"ann-{a}"
        tokens[name] = run(bin_path, "user", "add", name, "--role",
                           "annotator", "--project", PROJECT, "--data", data,
                           "--actor", "root").strip().splitlines()[-1]
        if records <= 16:
            for r in range(records):
                run(bin_path, "assign", "--data", data, "--project", PROJECT,
                    "--record", f"rec-{r}", "--annotator", name, "--actor",
                    "root")
            continue
        # Many records (the soak): one `append` of AssignmentCreated events
        # instead of a process per assignment.
        run(bin_path, "append", "--data", data, stdin="".join(
            json.dumps({"type": "AssignmentCreated", "actor": "root",
                        "body": {"project_id": PROJECT,
                                 "record_id": f"rec-{r}",
                                 "annotator_id": name}}) + "\n"
            for r in range(records)))
    return tokens


def die_with_parent():
    # The server goes when the test does (a timeout, a crash of the test).
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Server:
    """`consilium serve --data DATA --listen 127.0.0.1:0 [extra]`, plain
    HTTP; waits for its "listening on" line."""

    def __init__(self, bin_path, data, extra=(), env=None):
        self.proc = subprocess.Popen(
            [bin_path, "serve", "--data", data, "--listen", "127.0.0.1:0",
             *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=die_with_parent, env=env)
        line = self.proc.stdout.readline()
        if "listening on http://" not in line:
            self.proc.kill()
            raise AssertionError("serve did not start: " + line +
                                 self.proc.stderr.read())
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.pid = self.proc.pid

    def sigkill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def stop(self):
        """SIGTERM; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=60)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))


def request(port, method, path, token=None, body=None, timeout=30,
            conn=None):
    """One request; returns (status, parsed JSON or text). With `conn`
    (an http.client.HTTPConnection) the connection is reused."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
    finally:
        if own:
            conn.close()
    ctype = r.getheader("Content-Type", "")
    return r.status, (json.loads(raw) if "json" in ctype else raw.decode())


class Tally:
    """What the clients were told, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}       # seq -> hash, from 201 submits
        self.reads = {}       # (annotator, record) -> count of 200 reads
        self.followed = {}    # seq -> hash, from every follower
        self.latencies = []   # seconds, every HTTP request (soak)
        self.errors = []      # unexpected answers (not a dropped connection)
        self.statuses = {}    # HTTP status -> count

    def snapshot_latencies(self):
        with self.lock:
            out, self.latencies = self.latencies, []
        return out


class HttpWorker(threading.Thread):
    """Submits and reads as one annotator on one kept-alive connection until
    `stop` is set or the server goes away (then it stops quietly: a request
    cut by a kill was never acknowledged)."""

    def __init__(self, port, name, token, records, tally, stop, tag,
                 read_share=0.5, pause=0.0):
        super().__init__(daemon=True)
        self.pause = pause  # seconds between requests (0: flat out)
        self.port, self.name, self.token = port, name, token
        self.records, self.tally, self.stop = records, tally, stop
        self.tag, self.read_share = tag, read_share
        self.n = 0
        # In order: None for a read answered 200, the seq for a submit
        # answered 201 (one connection, one request at a time, so each
        # read's access event lies between the submits around it).
        self.ops = []

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            while not self.stop.wait(self.pause):
                self.n += 1
                record = f"rec-{self.n % self.records}"
                reading = (self.n * 7919 % 100) < self.read_share * 100
                started = time.monotonic()
                try:
                    if reading:
                        status, body = request(
                            self.port, "GET", "/v1/records/" + record,
                            self.token, conn=conn)
                    else:
                        status, body = request(
                            self.port, "POST", "/v1/annotations", self.token,
                            {"annotation_id": f"{self.tag}-{self.name}-"
                                              f"{self.n}",
                             "record": record, "schema": SCHEMA,
                             "values": {"severity":
                                        LEVELS[self.n % len(LEVELS)]}},
                            conn=conn)
                except (OSError, http.client.HTTPException):
                    return  # the server went away mid-request
                took = time.monotonic() - started
                with self.tally.lock:
                    self.tally.latencies.append(took)
                    self.tally.statuses[status] = \
                        self.tally.statuses.get(status, 0) + 1
                    if reading and status == 200 and \
                            body.get("id") == record:
                        key = (self.name, record)
                        self.tally.reads[key] = self.tally.reads.get(key, 0) + 1
                        self.ops.append(None)
                    elif not reading and status == 201:
                        self.tally.acked[body["seq"]] = body["hash"]
                        self.ops.append(body["seq"])
                    else:
                        self.tally.errors.append((status, body))
        finally:
            conn.close()


async def follow(port, token, cursor, tally, stop):
    """Follows from cursor["seq"] (its hash in cursor["hash"]) until `stop`
    or the connection ends; keeps cursor current. Chain links are checked
    as events arrive."""
    try:
        async with websockets.connect(
                f"ws://127.0.0.1:{port}/v1/ws",
                extra_headers={"Authorization": "Bearer " + token},
                max_size=64 << 20, open_timeout=30) as ws:
            await ws.send(json.dumps({"id": "f", "type": "follow",
                                      "from": cursor["seq"]}))
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.2)
                except asyncio.TimeoutError:
                    continue
                msg = json.loads(raw)
                if msg.get("type") == "error":
                    with tally.lock:
                        tally.errors.append(("ws", msg))
                    return
                if msg.get("type") != "events":
                    continue
                with tally.lock:
                    for e in msg["events"]:
                        if e["seq"] != cursor["seq"] + 1 or \
                                e["prev"] != cursor["hash"]:
                            tally.errors.append(
                                ("ws", f"follower at {cursor['seq']} got "
                                       f"{e['seq']} prev {e['prev']}"))
                            return
                        cursor["seq"], cursor["hash"] = e["seq"], e["hash"]
                        tally.followed[e["seq"]] = e["hash"]
    except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
        return  # the server went away


class Followers(threading.Thread):
    """`n` WebSocket followers in one asyncio loop; cursors survive across
    servers (a follower resumes where it stopped)."""

    def __init__(self, port, token, cursors, tally, stop):
        super().__init__(daemon=True)
        self.port, self.token, self.cursors = port, token, cursors
        self.tally, self.stop = tally, stop

    def run(self):
        async def all_of_them():
            await asyncio.gather(*[follow(self.port, self.token, c,
                                          self.tally, self.stop)
                                   for c in self.cursors])
        asyncio.run(all_of_them())


def ledger_events(bin_path, data, start):
    """The events from `start` on, as `consilium events` prints them."""
    out = run(bin_path, "events", "--data", data, "--from", str(start))
    return [json.loads(line) for line in out.splitlines() if line]


def event_sizes(bin_path, data):
    """seq -> stored size in bytes, from `consilium events --metadata`."""
    sizes, start = {}, 1
    while start is not None:
        page = json.loads(run(bin_path, "events", "--data", data,
                              "--metadata", "--from", str(start),
                              "--limit", "1000"))
        for e in page["events"]:
            sizes[e["seq"]] = e["size"]
        start = page["next_from"]
    return sizes


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))]


def wait_for(condition, timeout, what):
    """Polls `condition` until true; AssertionError naming `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def open_idle(port, count):
    """`count` TCP connections that send nothing."""
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        socks.append(s)
    return socks
