#!/usr/bin/python3
"""data.jsonl as researchers load it.

Builds the demo ledger of scripts/run.sh with the CLI, exports a snapshot,
then: every line validates against docs/schemas/snapshot-line.schema.json
(python3-jsonschema); pandas.read_json(lines=True) loads the file as it is
(python3-pandas); its row count is the manifest's record count and its
annotation count the manifest's; and one record's per-field counts equal
what `consilium distribution --json` prints for it (by value; annotators
are pseudonyms in the snapshot and ids in the distribution).

usage: pandas_snapshot_test.py CONSILIUM_BIN SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import pandas


def run(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"consilium {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r.stdout


def build_demo(binary, src, data):
    run(binary, "init", "--data", data)
    run(binary, "project", "create", "--data", data, "--id", "icu-demo",
        "--name", "ICU", "--overlap", "3")
    for s in ("icu-severity.json", "dx-reasoning.json"):
        run(binary, "schema", "publish", os.path.join(src, "schemas/examples", s),
            "--data", data)
    run(binary, "import", "records", os.path.join(src, "tools/demo/records.jsonl"),
        "--data", data, "--project", "icu-demo")
    for a in ("dr-ada", "dr-ben", "dr-cho"):
        run(binary, "user", "add", a, "--role", "annotator", "--project",
            "icu-demo", "--data", data)
        for r in range(1, 7):
            run(binary, "assign", "--data", data, "--project", "icu-demo",
                "--record", f"rec-000{r}", "--annotator", a)
    run(binary, "assign", "--data", data, "--project", "icu-demo", "--record",
        "rec-0007", "--annotator", "dr-ada")
    run(binary, "annotate", os.path.join(src, "tools/demo/annotations.jsonl"),
        "--data", data)
    run(binary, "keygen", "--name", "test.example/demo", "--out", data + ".key")
    run(binary, "configure", "--data", data, "--checkpoint-key", data + ".key")


def main():
    binary, src = sys.argv[1], sys.argv[2]
    with open(os.path.join(src, "docs/schemas/snapshot-line.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "ledger")
        out = os.path.join(tmp, "snap")
        build_demo(binary, src, data)
        head = json.loads(run(binary, "head", "--data", data))["seq"]
        run(binary, "snapshot", "export", "--data", data, "--project", "icu-demo",
            "--as-of", str(head), "--out", out)
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
        path = os.path.join(out, "data.jsonl")
        with open(path) as f:
            lines = [json.loads(l) for l in f]
        for i, line in enumerate(lines, 1):
            errors = sorted(validator.iter_errors(line), key=str)
            if errors:
                sys.exit(f"line {i} does not match the schema: {errors[0].message}")

        df = pandas.read_json(path, lines=True)
        assert len(df) == manifest["counts"]["records"] == 7, len(df)
        assert list(df["record_id"]) == sorted(df["record_id"]), "not sorted"
        n_annotations = int(df["annotations"].map(len).sum())
        assert n_annotations == manifest["counts"]["annotations"], n_annotations

        record = "rec-0004"  # revised by one annotator in the demo
        row = df[df["record_id"] == record].iloc[0]
        want = json.loads(run(binary, "distribution", "--data", data, "--record",
                              record, "--json"))
        got = {(f["schema_id"], f["path"]): f for f in row["fields"]}
        assert len(got) == len(want["fields"]), (got.keys(), want["fields"])
        for f in want["fields"]:
            g = got[(f["schema_id"], f["path"])]
            assert g["human"]["counts"] == f["human"]["counts"], (g, f)
            assert g["model"]["counts"] == f["model"]["counts"], (g, f)
            assert g["soft_label"] == f["soft_label"], (g["soft_label"], f)
            assert sorted(v["value"] for v in g["human"]["values"]) == \
                sorted(v["value"] for v in f["human"]["values"])
        with open(path) as f:
            text = f.read()
        for name in ("dr-ada", "dr-ben", "dr-cho"):
            assert name not in text, f"{name} appears in data.jsonl"
        cli_round_trip(binary, data, out, head, tmp)
    print("ok: schema, pandas counts and the distribution of", record,
          "; verify, tag, backup and restore through the CLI")


def cli_round_trip(binary, data, out, head, tmp):
    """The CLI's exit codes and byte-identical exports: by tag, and from a
    restored backup."""
    def rc(*args):
        return subprocess.run([binary, *args], capture_output=True, text=True)

    with open(os.path.join(out, "manifest.json")) as f:
        vkey = json.load(f)["ledger"]["verifier_key"]
    assert rc("snapshot", "verify", out, "--vkey", vkey).returncode == 0
    assert rc("snapshot", "verify", out, "--data", data).returncode == 0
    assert rc("snapshot", "verify", out).returncode == 2  # no trusted key
    run(binary, "snapshot", "tag", "v1", "--data", data, "--project",
        "icu-demo", "--as-of", str(head))
    assert rc("snapshot", "tag", "v1", "--data", data, "--project", "icu-demo",
              "--as-of", "3").returncode == 1
    by_tag = os.path.join(tmp, "by-tag")
    run(binary, "snapshot", "export", "--data", data, "--project", "icu-demo",
        "--tag", "v1", "--out", by_tag)
    same = lambda a, b: open(os.path.join(a, "data.jsonl"), "rb").read() == \
        open(os.path.join(b, "data.jsonl"), "rb").read()
    assert same(out, by_tag), "export by tag differs from export by seq"
    backup, restored = os.path.join(tmp, "backup"), os.path.join(tmp, "restored")
    run(binary, "backup", "--data", data, "--out", backup)
    run(binary, "restore", backup, "--data", restored)
    again = os.path.join(tmp, "again")
    run(binary, "snapshot", "export", "--data", restored, "--project",
        "icu-demo", "--as-of", str(head), "--out", again)
    assert same(out, again), "export from the restored backup differs"
    assert rc("snapshot", "verify", out, "--data", restored).returncode == 0
    tampered = os.path.join(tmp, "tampered")
    subprocess.run(["cp", "-r", out, tampered], check=True)
    with open(os.path.join(tampered, "data.jsonl"), "r+b") as f:
        f.seek(10)
        b = f.read(1)
        f.seek(10)
        f.write(bytes([b[0] ^ 1]))
    r = rc("snapshot", "verify", tampered, "--vkey", vkey)
    assert r.returncode == 1 and "data.jsonl changed" in r.stderr, r.stderr


if __name__ == "__main__":
    main()
