#!/usr/bin/python3
"""Cross-checks `consilium agreement --csv FILE --json` against established
implementations from Debian 12: statsmodels (fleiss_kappa), scikit-learn
(cohen_kappa_score) and nltk (AnnotationTask alpha, kappa, multi_kappa, pi,
avg_Ao), to 1e-9, and against published values to 1e-3.

Data: the reference sets in <data> (Fleiss 1971 diagnoses, Krippendorff's
example, Stuart's vision table) and seeded random tables with and without
missing ratings, numeric and text labels.

scipy, scikit-learn and statsmodels are not installable next to
libboost1.81-dev on Debian 12; scripts/install-oracles.sh unpacks them into a
private prefix, which this script puts on sys.path.

Exit: 0 all checks passed; 1 a check failed or the oracles are missing;
77 (ctest: skipped) the reference data directory is missing.
Run by ctest as:
  oracle.py --consilium BIN --data DIR/agreement --install-script PATH
"""

import argparse
import csv
import io
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import warnings

TOL = 1e-9
PUBLISHED_TOL = 1e-3


def oracle_prefix(install_script):
    if os.environ.get("CONSILIUM_ORACLE_PREFIX"):
        return os.environ["CONSILIUM_ORACLE_PREFIX"]
    if install_script and os.path.exists(install_script):
        out = subprocess.run(["bash", install_script, "--print-prefix"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "consilium", "oracles")


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        print(f"ok   {name}")

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {why}")

    def near(self, name, got, want, tol=TOL):
        if got is None:
            self.fail(name, f"got null, want {want!r}")
        elif want is None or (isinstance(want, float) and math.isnan(want)):
            self.fail(name, f"oracle undefined ({want!r}), got {got!r}")
        elif abs(got - want) <= tol:
            self.ok(f"{name} = {got!r} (oracle {want!r})")
        else:
            self.fail(name, f"got {got!r}, want {want!r} (|diff| "
                      f"{abs(got - want):.3g} > {tol:g})")

    def equal(self, name, got, want):
        if got == want:
            self.ok(f"{name} = {got!r}")
        else:
            self.fail(name, f"got {got!r}, want {want!r}")

    def undefined(self, name, obj, key):
        if obj.get(key) is None and obj.get(key + "_undefined_reason"):
            self.ok(f"{name} undefined: {obj[key + '_undefined_reason']}")
        else:
            self.fail(name, f"want null with a reason, got {obj.get(key)!r}")


def read_wide(text):
    """Rows of cells (None = missing), as the CLI reads a wide CSV without an
    item column; labels become floats when every one is a number."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], [r for r in rows[1:] if r]
    cells = [[None if c.strip() in ("", "NA") else c.strip() for c in r]
             for r in body]
    labels = {c for r in cells for c in r if c is not None}
    numeric = True
    for c in labels:
        try:
            if not math.isfinite(float(c)):
                numeric = False
        except ValueError:
            numeric = False
    if numeric:
        cells = [[None if c is None else float(c) for c in r] for r in cells]
    return header, cells, numeric


def run_cli(binary, path, level):
    out = subprocess.run([binary, "agreement", "--csv", path, "--level", level,
                          "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"consilium agreement failed ({out.returncode}): "
                           f"{out.stderr.strip()}")
    return json.loads(out.stdout)


def ordinal_distance(counts):
    """Krippendorff's ordinal metric from the pairable values' counts."""
    cats = sorted(counts)

    def d(a, b):
        if a == b:
            return 0.0
        lo, hi = min(a, b), max(a, b)
        s = sum(counts[g] for g in cats if lo <= g <= hi)
        return (s - (counts[a] + counts[b]) / 2.0) ** 2
    return d


def ratio_distance(a, b):
    return 0.0 if a + b == 0 else ((a - b) / (a + b)) ** 2


def check_table(chk, binary, name, path, published=None):
    from nltk.metrics import distance
    from nltk.metrics.agreement import AnnotationTask
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import fleiss_kappa
    import numpy as np

    with open(path, encoding="utf-8") as f:
        header, cells, numeric = read_wide(f.read())
    level = "interval" if numeric else "nominal"
    out = run_cli(binary, path, level)
    published = published or {}
    raters = header
    cats = sorted({c for r in cells for c in r if c is not None})
    chk.equal(f"{name}: raters", out["raters"], raters)
    chk.equal(f"{name}: category count", len(out["categories"]), len(cats))

    rated = [[c for c in r if c is not None] for r in cells]
    pairable = [r for r in rated if len(r) >= 2]
    complete = all(len(r) == len(raters) for r in rated if r)

    # Percent agreement, both definitions (direct computation).
    if pairable:
        all_raters = sum(len(set(r)) == 1 for r in pairable) / len(pairable)
        pairwise = sum(
            sum(1 for x in range(len(r)) for y in range(len(r))
                if x != y and r[x] == r[y]) / (len(r) * (len(r) - 1))
            for r in pairable) / len(pairable)
        chk.near(f"{name}: percent_agreement_all_raters",
                 out["percent_agreement_all_raters"], all_raters)
        chk.near(f"{name}: percent_agreement_pairwise",
                 out["percent_agreement_pairwise"], pairwise)
        chk.equal(f"{name}: percent_agreement_pairwise_items",
                  out["percent_agreement_pairwise_items"], len(pairable))

    # nltk AnnotationTask over the same ratings (coder, item, label).
    data = [(raters[j], str(i), v) for i, r in enumerate(cells)
            for j, v in enumerate(r) if v is not None]
    counts = {}
    for r in pairable:
        for v in r:
            counts[v] = counts.get(v, 0) + 1
    metrics = [("nominal", distance.binary_distance),
               ("ordinal", ordinal_distance(counts))]
    if numeric:
        metrics.append(("interval", distance.interval_distance))
        if all(v >= 0 for v in counts):
            metrics.append(("ratio", ratio_distance))
    for metric, dist in metrics:
        key = f"krippendorff_alpha_{metric}"
        if len(counts) < 2:
            chk.undefined(f"{name}: {key} (one value)", out, key)
            continue
        want = AnnotationTask(data=data, distance=dist).alpha()
        chk.near(f"{name}: {key} vs nltk alpha", out[key], want)
        chk.equal(f"{name}: {key}_ratings", out[key + "_ratings"],
                  sum(len(r) for r in pairable))
        if metric in published:
            chk.near(f"{name}: {key} vs published", out[key],
                     published[metric], PUBLISHED_TOL)
    if not numeric:
        chk.undefined(f"{name}: krippendorff_alpha_interval (text)", out,
                      "krippendorff_alpha_interval")
    elif any(v < 0 for v in counts):
        chk.undefined(f"{name}: krippendorff_alpha_ratio (negative values)",
                      out, "krippendorff_alpha_ratio")

    # Fleiss: statsmodels on the items with ratings, when counts are equal.
    rated_rows = [r for r in rated if r]
    sizes = {len(r) for r in rated_rows}
    if len(sizes) == 1 and sizes.pop() >= 2:
        table = np.array([[r.count(c) for c in cats] for r in rated_rows],
                         dtype=float)
        chk.near(f"{name}: fleiss_kappa vs statsmodels", out["fleiss_kappa"],
                 fleiss_kappa(table, method="fleiss"))
        if "fleiss" in published:
            chk.near(f"{name}: fleiss_kappa vs published",
                     out["fleiss_kappa"], published["fleiss"], PUBLISHED_TOL)
        # Fleiss (1971) per category: 1 - Σ n_ij(m - n_ij) / (N m (m-1) p q).
        n_items, m = table.shape[0], table[0].sum()
        for j, c in enumerate(cats):
            p = table[:, j].sum() / (n_items * m)
            want = 1 - (table[:, j] * (m - table[:, j])).sum() / (
                n_items * m * (m - 1) * p * (1 - p))
            label = out["categories"][j]
            chk.near(f"{name}: fleiss_kappa_per_category[{label}]",
                     out["fleiss_kappa_per_category"][label], want)
    else:
        chk.undefined(f"{name}: fleiss_kappa (unequal counts)", out,
                      "fleiss_kappa")

    # Cohen per pair: sklearn on the co-rated items, labels = all categories
    # (rank weights over the table's categories).
    kappas = []
    pairs = {(p["rater_a"], p["rater_b"]): p for p in out["cohen_kappa_pairs"]}
    for a in range(len(raters)):
        for b in range(a + 1, len(raters)):
            both = [(r[a], r[b]) for r in cells
                    if r[a] is not None and r[b] is not None]
            pair = pairs[(raters[a], raters[b])]
            chk.equal(f"{name}: cohen {raters[a]}/{raters[b]} items",
                      pair["items"], len(both))
            for weights, key in [(None, "cohen_kappa"),
                                 ("linear", "cohen_kappa_linear"),
                                 ("quadratic", "cohen_kappa_quadratic")]:
                if not both or len({v for p2 in both for v in p2}) < 2:
                    chk.undefined(f"{name}: {key} {raters[a]}/{raters[b]}",
                                  pair, key)
                    continue
                # Category indices: sklearn takes 1.5 for a continuous
                # target; its weights are on label indices anyway.
                index = {c: k for k, c in enumerate(cats)}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    want = cohen_kappa_score([index[x] for x, _ in both],
                                             [index[y] for _, y in both],
                                             labels=list(range(len(cats))),
                                             weights=weights)
                chk.near(f"{name}: {key} {raters[a]}/{raters[b]} vs sklearn",
                         pair[key], float(want))
                if weights is None:
                    kappas.append(float(want))
    if kappas:
        chk.near(f"{name}: light_kappa = mean sklearn kappa",
                 out["light_kappa"], sum(kappas) / len(kappas))

    # On complete data nltk's multi-rater coefficients apply directly.
    if complete and len(raters) >= 2 and len(counts) >= 2:
        task = AnnotationTask(data=data)
        chk.near(f"{name}: light_kappa vs nltk kappa", out["light_kappa"],
                 task.kappa())
        chk.near(f"{name}: conger_kappa vs nltk multi_kappa",
                 out["conger_kappa"], task.multi_kappa())
        chk.near(f"{name}: fleiss_kappa vs nltk pi", out["fleiss_kappa"],
                 task.pi())
        chk.near(f"{name}: percent_agreement_pairwise vs nltk avg_Ao",
                 out["percent_agreement_pairwise"], task.avg_Ao())
    elif not complete:
        chk.undefined(f"{name}: conger_kappa (missing ratings)", out,
                      "conger_kappa")


def random_table(rng, items, raters, labels, missing, weights=None):
    """Wide CSV text; each rater copies a hidden true label or draws one."""
    lines = [",".join(f"r{j + 1}" for j in range(raters))]
    for _ in range(items):
        truth = rng.choices(labels, weights=weights)[0]
        row = []
        for j in range(raters):
            if rng.random() < missing:
                row.append("NA")
            elif rng.random() < 0.6 + 0.05 * j:
                row.append(truth)
            else:
                row.append(rng.choices(labels, weights=weights)[0])
        if all(c == "NA" for c in row) and rng.random() < 0.5:
            row = ["" for _ in row]  # an item nobody rated, written empty
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--consilium", default=os.environ.get("CONSILIUM_BIN"))
    ap.add_argument("--data", required=True)
    ap.add_argument("--install-script")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        print(f"SKIP: reference data dir missing: {args.data}")
        return 77
    if not args.consilium or not os.access(args.consilium, os.X_OK):
        print(f"consilium binary not found: {args.consilium!r}")
        return 1
    site = os.path.join(oracle_prefix(args.install_script),
                        "usr/lib/python3/dist-packages")
    sys.path.insert(0, site)
    try:
        import nltk  # noqa: F401
        import sklearn  # noqa: F401
        import statsmodels  # noqa: F401
    except ImportError as e:
        print(f"oracle packages missing ({e}); run scripts/install-oracles.sh "
              f"(prefix {site})")
        return 1

    chk = Checker()

    def check(name, path, published=None):
        try:
            check_table(chk, args.consilium, name, path, published)
        except (RuntimeError, json.JSONDecodeError) as e:
            chk.fail(name, str(e))

    d = args.data
    check("diagnoses", os.path.join(d, "diagnoses.csv"), {"fleiss": 0.430})
    check("krippendorff",
          os.path.join(d, "krippendorff_C_units_x_coders.csv"),
          {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849,
           "ratio": 0.797})
    check("vision", os.path.join(d, "vision.csv"))

    rng = random.Random(20240501)
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            ("random-complete", random_table(rng, 60, 4,
                                             ["1", "2", "3", "4", "5"], 0.0)),
            ("random-missing-numeric",
             random_table(rng, 150, 5, ["0", "1", "2", "5", "10"], 0.25,
                          [3, 2, 1, 2, 1])),
            ("random-missing-text",
             random_table(rng, 80, 3, ["benign", "malignant", "uncertain"],
                          0.2)),
            ("random-sparse-negative",
             random_table(rng, 40, 6, ["-2", "-1", "0", "1.5", "3"], 0.6)),
        ]
        for name, text in cases:
            path = os.path.join(tmp, name + ".csv")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            check(name, path)

    print(f"{chk.passed} passed, {chk.failed} failed")
    return 0 if chk.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
