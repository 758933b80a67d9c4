#!/usr/bin/env python3
"""Checks that the figures of a rendered HTML report (the DOM Chromium
rendered, read from its data- attributes) equal the CLI's --json output:
`consilium report --json` (same seed and replicates) for every figure, and
`consilium agreement --json` (every record and each batch) and
`consilium calibration --json` for the numbers those commands print too.
Also checks the report file itself fetches nothing (no script, no link, no
src, no url(), no @import).

Usage: report_check.py CONSILIUM DATA PROJECT SEED REPLICATES REPORT DOM
Exit 0 when everything matches; 1 with every mismatch listed otherwise.
"""
import json
import re
import subprocess
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    """Collects the data- attributes of the report's tables and rows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables = []  # (attrs, [row attrs], [cell attrs])
        self.provenance = None
        self.decisions = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-figure" in a:
            self.tables.append((a, [], []))
        elif tag == "tr" and self.tables and len(a) > 0:
            self.tables[-1][1].append(a)
        elif tag == "td" and self.tables and "data-kappa" in a:
            self.tables[-1][2].append(a)
        elif tag == "p" and a.get("id") == "provenance":
            self.provenance = a
        elif tag == "p" and a.get("data-figure") == "decisions":
            self.decisions = a

    def handle_data(self, data):
        self.text.append(data)

    def figure(self, name):
        return [t for t in self.tables if t[0]["data-figure"] == name]


def num(s):
    return None if s == "null" else float(s)


def run(cli, *args):
    out = subprocess.run([cli, *args], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


class Checker:
    def __init__(self):
        self.problems = []
        self.compared = 0

    def eq(self, what, got, want):
        self.compared += 1
        if got != want:
            self.problems.append(f"{what}: page {got!r}, CLI {want!r}")


def check_static(report_text, c):
    for pattern in [r"<script", r"<link", r"\ssrc\s*=", r"url\(",
                    r"@import", r"<iframe", r"<object", r"<embed",
                    r"href\s*=\s*\"(?!#)"]:
        if re.search(pattern, report_text, re.IGNORECASE):
            c.problems.append(f"report file contains {pattern!r}")


def field_key(f):
    return (f["schema_id"], int(f["schema_version"]), f["path"])


def check_agreement(dom, rep, cli, data, project, c):
    tables = dom.figure("agreement")
    c.eq("agreement groups", len(tables), len(rep["agreement"]))
    for (attrs, rows, _), group in zip(tables, rep["agreement"]):
        batch = group["batch"]
        c.eq("group batch", attrs.get("data-batch", ""), batch or "")
        args = ["agreement", "--data", data, "--project", project, "--json"]
        if batch:
            args += ["--batch", batch]
        agr = run(cli, *args)
        cli_fields = {field_key(f): f for f in agr["fields"]}
        rows = [r for r in rows if "data-path" in r]
        page = {(r["data-schema"], int(r["data-version"]), r["data-path"]): r
                for r in rows}
        c.eq(f"fields of {batch}", sorted(page), sorted(cli_fields))
        for f in group["fields"]:
            key = field_key(f)
            r, a = page.get(key), cli_fields.get(key)
            if r is None or a is None:
                continue
            w = f"{batch or 'all'} {key}"
            c.eq(w + " value vs agreement", num(r["data-value"]), a["primary"])
            c.eq(w + " statistic", r["data-statistic"], a["primary_statistic"])
            c.eq(w + " items", int(r["data-items"]), a["items"])
            c.eq(w + " ratings", int(r["data-ratings"]), a["ratings"])
            c.eq(w + " value vs report", num(r["data-value"]), f["value"])
            c.eq(w + " ci lower", num(r["data-ci-lower"]), f["ci_lower"])
            c.eq(w + " ci upper", num(r["data-ci-upper"]), f["ci_upper"])
        layers = {(r["data-batch"], r["data-layer"]): r
                  for r in dom.figure("layers")[0][1]}
        for layer in ("descriptive", "interpretive"):
            r = layers[(batch or "", layer)]
            want = agr["calibration_loop"][layer]
            w = f"{batch or 'all'} {layer}"
            c.eq(w + " mean", num(r["data-mean"]), want["mean"])
            c.eq(w + " minimum", num(r["data-minimum"]), want["minimum"])
            c.eq(w + " flagged", int(r["data-flagged"]), want["flagged"])
        if batch is None:
            check_kappa(dom, rep, agr, c)


def check_kappa(dom, rep, agr, c):
    tables = dom.figure("kappa")
    c.eq("kappa matrices", len(tables), len(rep["kappa"]))
    if not tables:
        c.problems.append("no kappa matrix in the page")
    for attrs, _, cells in tables:
        key = (attrs["data-schema"], int(attrs["data-version"]),
               attrs["data-path"])
        field = next(f for f in agr["fields"] if field_key(f) == key)
        pairs = {}
        for p in field["cohen_kappa_pairs"]:
            pairs[(p["rater_a"], p["rater_b"])] = p["cohen_kappa"]
            pairs[(p["rater_b"], p["rater_a"])] = p["cohen_kappa"]
        for cell in cells:
            a, b = cell["data-a"], cell["data-b"]
            want = 1.0 if a == b else pairs.get((a, b))
            c.eq(f"kappa {key} {a}/{b}", num(cell["data-kappa"]), want)
        c.eq(f"kappa {key} cells", len(cells), len(field["rater_names"]) ** 2)


def check_reliability(dom, cli, data, project, c):
    cal = run(cli, "calibration", "--data", data, "--project", project,
              "--json")
    tables = {t[0]["data-annotator"]: t for t in dom.figure("reliability")}
    c.eq("annotators", sorted(tables),
         sorted(a["annotator"] for a in cal["annotators"]))
    for a in cal["annotators"]:
        if a["annotator"] not in tables:
            continue
        attrs, rows, _ = tables[a["annotator"]]
        cc = a["confidence_calibration"]
        w = a["annotator"]
        c.eq(w + " n", int(attrs["data-n"]), cc["n"])
        c.eq(w + " brier", num(attrs["data-brier"]), cc["brier_score"])
        c.eq(w + " ece", num(attrs["data-ece"]),
             cc["expected_calibration_error"])
        c.eq(w + " bins", len(rows), len(cc["bins"]))
        for r, b in zip(rows, cc["bins"]):
            c.eq(w + " bin lower", num(r["data-lower"]), b["lower"])
            c.eq(w + " bin count", int(r["data-count"]), b["count"])
            c.eq(w + " bin confidence", num(r["data-mean-confidence"]),
                 b["mean_confidence"])
            c.eq(w + " bin accuracy", num(r["data-accuracy"]), b["accuracy"])


def main():
    cli, data, project, seed, replicates, report, dom_file = sys.argv[1:8]
    c = Checker()
    report_text = open(report, encoding="utf-8").read()
    check_static(report_text, c)
    dom = Dom()
    dom.feed(open(dom_file, encoding="utf-8").read())
    rep = run(cli, "report", "--data", data, "--project", project, "--json",
              "--seed", seed, "--replicates", replicates)
    p = dom.provenance or {}
    c.eq("seed", p.get("data-seed"), str(rep["seed"]))
    c.eq("replicates", p.get("data-replicates"), str(rep["replicates"]))
    c.eq("as of", p.get("data-as-of-seq"), str(rep["as_of_seq"]))
    text = " ".join(dom.text)
    for phrase in [f"seed {seed}", f"{replicates} replicates"]:
        if phrase not in text:
            c.problems.append(f"the page does not say {phrase!r}")
    check_agreement(dom, rep, cli, data, project, c)
    check_reliability(dom, cli, data, project, c)
    ent = dom.figure("entropy")[0]
    c.eq("entropy bins", [int(r["data-count"]) for r in ent[1]],
         [b["count"] for b in rep["entropy"]["bins"]])
    c.eq("entropy items", int(ent[0]["data-items"]), rep["entropy"]["items"])
    c.eq("decisions", int((dom.decisions or {}).get("data-decisions", -1)),
         rep["adjudication"]["decisions_recorded"])
    if c.problems:
        print("\n".join(c.problems))
        return 1
    print(f"report_check: {c.compared} figures equal the CLI's --json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
